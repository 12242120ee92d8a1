"""Vectors of the shipped bank's texts, computed once and shipped beside the bank, so a first
start embeds only the questions that are new or changed (`python -m bot index vectors` writes them)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from bot.settings import SHIPPED_BANK_DIR

SHIPPED_VECTORS = SHIPPED_BANK_DIR / "vectors.npz"


def text_key(method: str, text: str) -> str:
    """The cache key of a text embedded one way (model and method, e.g. 'all-MiniLM-L6-v2/text')."""
    return hashlib.sha256(f"{method}\n{text}".encode()).hexdigest()[:32]


class VectorCache:
    """Known vectors by text key; texts it does not know are embedded as usual."""

    def __init__(self, vectors: dict[str, np.ndarray] | None = None):
        self._vectors = vectors or {}

    def __len__(self) -> int:
        return len(self._vectors)

    def __contains__(self, key: str) -> bool:
        return key in self._vectors

    @classmethod
    def load(cls, path: Path = SHIPPED_VECTORS) -> VectorCache:
        """The vectors in the file, or none when it is missing or unreadable (then all is embedded)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, KeyError, ValueError):
            return cls()
        return cls({str(key): vector for key, vector in zip(keys, vectors.astype(np.float32))})

    def embed(self, method: str, texts: Sequence[str], embed: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
        """The texts' vectors: known ones from the cache, the rest from `embed` in one call."""
        keys = [text_key(method, text) for text in texts]
        missing = [i for i, key in enumerate(keys) if key not in self._vectors]
        fresh = embed([texts[i] for i in missing]) if missing else None
        rows = [None] * len(texts)
        for i, key in enumerate(keys):
            if key in self._vectors:
                rows[i] = self._vectors[key]
        for row, i in enumerate(missing):
            rows[i] = fresh[row]
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, 0), dtype=np.float32)


def write_vectors(path: Path, entries: Iterable[tuple[str, np.ndarray]]) -> int:
    """Write (key, vector) pairs, sorted by key so the file only changes when vectors do; returns the count."""
    pairs = sorted(entries, key=lambda pair: pair[0])
    keys = np.array([key for key, _ in pairs])
    vectors = np.vstack([vector for _, vector in pairs]).astype(np.float32)
    with open(path, "wb") as handle:
        np.savez(handle, keys=keys, vectors=vectors)
    return len(pairs)
