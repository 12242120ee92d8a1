import numpy as np

from bot.bank import load_bank
from bot.index import index_text, vector_entries, vector_method
from bot.settings import SHIPPED_BANK_DIR
from bot.vector_cache import SHIPPED_VECTORS, VectorCache, text_key, write_vectors


def recording_embed(calls):
    def embed(texts):
        calls.append(list(texts))
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)
    return embed


def test_known_texts_come_from_the_cache_and_only_the_rest_are_embedded_in_one_call():
    cache = VectorCache({text_key("m/text", "known"): np.array([9.0, 9.0], dtype=np.float32)})
    calls = []
    vectors = cache.embed("m/text", ["new one", "known", "other"], recording_embed(calls))
    assert calls == [["new one", "other"]]
    assert vectors.tolist() == [[7.0, 1.0], [9.0, 9.0], [5.0, 1.0]]


def test_a_text_embedded_another_way_is_not_a_hit():
    cache = VectorCache({text_key("m/text", "same words"): np.array([9.0, 9.0], dtype=np.float32)})
    calls = []
    cache.embed("m/sentence-mean", ["same words"], recording_embed(calls))
    assert calls == [["same words"]]


def test_vectors_written_read_back_and_a_missing_file_is_an_empty_cache(tmp_path):
    path = tmp_path / "vectors.npz"
    assert write_vectors(path, [("b", np.array([1.0, 2.0])), ("a", np.array([3.0, 4.0]))]) == 2
    cache = VectorCache.load(path)
    assert len(cache) == 2 and "a" in cache and "b" in cache
    assert cache.embed("x", [], recording_embed([])).size == 0
    assert len(VectorCache.load(tmp_path / "absent.npz")) == 0
    (tmp_path / "broken.npz").write_text("not numpy")
    assert len(VectorCache.load(tmp_path / "broken.npz")) == 0


def test_shipped_vectors_cover_the_shipped_bank_and_match_the_model(embedder):
    """Fails after a bank edit until `python -m bot index vectors` is run (a first start then re-embeds)."""
    bank = list(load_bank(SHIPPED_BANK_DIR))
    cache = VectorCache.load(SHIPPED_VECTORS)
    question_method, reference_method = vector_method(embedder, False), vector_method(embedder, True)
    stale = [q.id for q in bank if text_key(question_method, index_text(q)) not in cache
             or text_key(reference_method, q.reference_answer) not in cache]
    assert stale == [], "run `python -m bot index vectors` after changing the bank"
    assert len(cache) == 2 * len(bank)
    fresh = dict(vector_entries(bank[::101], embedder))
    with np.load(SHIPPED_VECTORS) as data:
        stored = dict(zip(data["keys"].tolist(), data["vectors"]))
    assert min(float(np.dot(stored[key], vector)) for key, vector in fresh.items()) > 0.9999
