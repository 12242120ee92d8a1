"""Requirements read from a pasted job description: its bullet lines and sentences, without
headings and hiring boilerplate."""

from __future__ import annotations

import re

MIN_SENTENCE_WORDS = 4  # shorter prose lines are titles, locations or sign-offs, not requirements
MAX_TITLE_WORDS = 8

_BULLET = re.compile(r"^(?:[-*•·▪‣◦–—+]|\d{1,2}[.)]|[a-z][.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_HEADING = (
    r"(?:about (?:us|you|the (?:role|team|job|position|company))|(?:key )?requirements|responsibilities"
    r"|(?:preferred |minimum |basic |required )?qualifications|(?:nice|good) to have|bonus(?: points)?"
    r"|what you(?:'|’)?ll do|what you will do|what you(?:'|’)?ll bring|what we(?:'|’)?re looking for"
    r"|what we offer|who you are|the role|your role|the team|(?:required |technical )?skills|must[- ]haves?"
    r"|benefits|perks|job description|overview|summary|tech stack|our stack)"
)
_HEADING_LINE = re.compile(rf"^{_HEADING}\s*[:.!]?$", re.IGNORECASE)
_HEADING_PREFIX = re.compile(rf"^{_HEADING}\s*[:—–-]\s+", re.IGNORECASE)
_BOILERPLATE = re.compile(
    r"equal[- ]opportunit|qualified applicants|regardless of|without regard to|reasonable accommodation"
    r"|protected (?:veteran|class|characteristic)|we offer\b|our benefits|benefits include|competitive (?:salary"
    r"|compensation|pay|package)|salary range|health (?:insurance|care|benefits)|dental|paid time off|\bpto\b"
    r"|401\s*\(?k\)?|stock options|parental leave|visa sponsorship|to apply\b|apply now|please apply"
    r"|send (?:us )?your (?:cv|resume)|diverse and inclusive|diversity",
    re.IGNORECASE,
)


def split_requirements(text: str) -> list[str]:
    """The job description's requirements in order: every bullet item, and every sentence of at
    least four words, leaving out headings, hiring boilerplate and repeats."""
    found: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        found += _line_requirements(line.strip())
    unique: dict[str, str] = {}
    for requirement in found:
        unique.setdefault(requirement.casefold(), requirement)
    return list(unique.values())


def _line_requirements(line: str) -> list[str]:
    if not line or line.startswith("#"):
        return []
    bullet = _BULLET.match(line)
    body = _unmark(line[bullet.end():] if bullet else line)
    prefix = _HEADING_PREFIX.match(body)
    if prefix:
        body = body[prefix.end():]
    if _is_heading(body, in_prose=not (bullet or prefix)):
        return []
    # A bullet or an item after "Requirements:" is a requirement however short; prose needs sentences.
    least_words = 1 if bullet or prefix else MIN_SENTENCE_WORDS
    pieces = [_unmark(piece).rstrip(";,") for piece in _SENTENCE_END.split(body)]
    return [piece for piece in pieces if len(piece.split()) >= least_words and not _BOILERPLATE.search(piece)]


def _unmark(text: str) -> str:
    """The text without Markdown emphasis around it."""
    return text.strip().strip("*_`").strip()


def _is_heading(text: str, in_prose: bool) -> bool:
    if not text or text.endswith(":") or _HEADING_LINE.match(text):
        return True
    # A line of capitalised words with no full stop is a title ("Senior Machine Learning Engineer").
    words = text.split()
    is_title = len(words) <= MAX_TITLE_WORDS and not text.endswith((".", "!", "?")) and all(
        word[0].isupper() or not word[0].isalpha() for word in words
    )
    return in_prose and is_title
