"""Plain-text analysis of answers: sentences, content words, and signs of text that is not prose."""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

# Function words: present in any real sentence, absent from a bare list of keywords.
FUNCTION_WORDS = frozenset(
    """a an the and or but if then than so because as of to in on at by for with from into onto over under
    about after before between during through without within across against among per via is are was
    were be been being am do does did done have has had having can could will would shall should may
    might must i you he she it we they me him her us them my your his its our their this that these
    those there here which who whom whose what when where why how not no nor only also just very too
    more most less least some any each every all both either neither such own same other another one
    once while until since whether instead rather even still yet already again up down out off""".split()
)
# Words that carry no subject matter in an answer to any question.
FILLER_WORDS = FUNCTION_WORDS | frozenset(
    """would like think use using used make makes made get gets got go going really basically actually
    maybe probably thing things stuff lot lots way ways well good better best important need needs
    know say said want look first second also etc e.g eg i.e ie yes okay ok sure""".split()
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9`])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#'\-]*|\d+(?:[.,]\d+)?%?")
_CODE_LINE = re.compile(r"^(\s{2,}|\t)|[{};=]\s*$|^\s*(def|class|import|from|return|for|while|if|SELECT|FROM|WHERE)\b")
_MAX_SENTENCE_WORDS = 60

_stemmer = snowballstemmer.stemmer("english")


def split_sentences(text: str) -> list[str]:
    """The answer's sentences and bullet items, with code kept in small blocks of lines."""
    pieces: list[str] = []
    code: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            _flush_code(code, pieces)
            continue
        if _CODE_LINE.search(line):
            code.append(line.strip())
            if len(code) == 6:
                _flush_code(code, pieces)
            continue
        _flush_code(code, pieces)
        line = _BULLET.sub("", line).strip()
        pieces.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    _flush_code(code, pieces)
    return [piece for sentence in pieces for piece in _split_long(sentence)]


def _flush_code(code: list[str], pieces: list[str]) -> None:
    if code:
        pieces.append("\n".join(code))
        code.clear()


def _split_long(sentence: str) -> list[str]:
    words = sentence.split()
    if len(words) <= _MAX_SENTENCE_WORDS:
        return [sentence]
    parts = [p.strip() for p in re.split(r"(?<=[;:])\s+|(?<=,)\s+(?=(?:and|but|which|so|then)\b)", sentence)]
    if len(parts) > 1:
        return [piece for part in parts if part for piece in _split_long(part)]
    return [" ".join(words[i : i + _MAX_SENTENCE_WORDS]) for i in range(0, len(words), _MAX_SENTENCE_WORDS)]


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.lower().strip("'-") for w in _WORD.findall(text)]


def stems(text: str, drop: frozenset[str] = frozenset()) -> set[str]:
    """Stems of the text's content words, leaving out filler words and any stems in `drop`."""
    content = {w for w in words(text) if w not in FILLER_WORDS and len(w) > 1}
    return {stem for stem in map(_stem, content) if stem not in drop}


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    # The pure-Python Snowball stemmer costs ~90 us a word; answers reuse the same words a lot.
    return _stemmer.stemWord(word)


def function_word_counts(text: str) -> tuple[int, int]:
    """(function words, all words) in the text: prose runs about 40-50% function words, a bare
    list of keywords near 0%."""
    tokens = words(text)
    return sum(1 for w in tokens if w in FUNCTION_WORDS), len(tokens)


def known_word_share(text: str, vocabulary: frozenset[str]) -> float:
    """Share of alphabetic words found whole in the vocabulary: near 1 for English, low for gibberish."""
    tokens = [w for w in words(text) if w.isalpha()]
    if not tokens:
        return 0.0
    return sum(1 for w in tokens if w in vocabulary) / len(tokens)
