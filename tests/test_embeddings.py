import numpy as np
import pytest

from bot.embeddings import DIMENSION, MODEL_NAME, plan_batches


def cosine(a, b):
    return float(np.dot(a, b))


def test_vectors_are_384_dimensional_and_unit_length(embedder):
    vectors = embedder.embed(["What is a feature store?", "Explain dropout."])
    assert vectors.shape == (2, DIMENSION)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrase_is_nearer_than_an_unrelated_question(embedder):
    question, paraphrase, unrelated = embedder.embed(
        [
            "How do you detect data drift in a production model?",
            "How would you notice that the inputs to a deployed model have shifted?",
            "Write a SQL query for the top three products per category by revenue.",
        ]
    )
    assert cosine(question, paraphrase) > 0.4
    assert cosine(question, paraphrase) > cosine(question, unrelated) + 0.3


def test_order_is_kept_whatever_the_batching(embedder):
    texts = ["short", "a much longer sentence about gradient boosting and learning rates", "mid length text", ""]
    together = embedder.embed(texts)
    one_by_one = np.stack([embedder.embed_one(text) for text in texts])
    assert np.allclose(together, one_by_one, atol=1e-4)


def test_empty_input_gives_an_empty_matrix(embedder):
    assert embedder.embed([]).shape == (0, DIMENSION)


def test_text_past_the_token_limit_is_truncated_not_rejected(embedder):
    long_text = "regularization " * 2000
    vector = embedder.embed_one(long_text)
    assert vector.shape == (DIMENSION,)
    assert np.isfinite(vector).all()


def test_identical_texts_give_identical_vectors(embedder):
    a, b = embedder.embed(["Explain the bias-variance trade-off.", "Explain the bias-variance trade-off."])
    assert cosine(a, b) == pytest.approx(1.0, abs=1e-5)


def test_model_name_says_which_model_made_the_vectors(embedder):
    assert embedder.name == MODEL_NAME == "all-MiniLM-L6-v2-int8-onnx"


def test_document_vector_is_the_token_weighted_mean_of_its_sentences(embedder):
    text = "Data drift moves the inputs. Concept drift changes the mapping from inputs to labels."
    document = embedder.embed_documents([text])[0]
    pooled, counts = embedder.embed_pooled(["Data drift moves the inputs.",
                                            "Concept drift changes the mapping from inputs to labels."])
    expected = (pooled * counts[:, None]).sum(axis=0)
    assert np.allclose(document, expected / np.linalg.norm(expected), atol=1e-5)


def test_long_documents_are_not_truncated(embedder):
    head = "Feature stores serve online features with low latency. " * 30  # past the 256-token limit
    tail = "The tail of this document is about gradient checkpointing in transformers."
    truncated_with, truncated_without = embedder.embed([head + tail, head])
    assert cosine(truncated_with, truncated_without) > 0.99999  # plain embed never sees the tail
    with_tail, without_tail = embedder.embed_documents([head + tail, head])
    assert cosine(with_tail, without_tail) < 0.9995


@pytest.mark.parametrize(
    ("lengths", "batch_size", "batches"),
    [
        ([], 16, []),
        ([12, 30, 10, 11], 16, [[2, 3, 0], [1]]),
        ([10] * 5, 2, [[0, 1], [2, 3], [4]]),
        ([20, 22, 24, 26, 28, 30], 16, [[0, 1, 2, 3, 4], [5]]),
        ([9, 200, 10], 16, [[0, 2], [1]]),
    ],
    ids=["nothing", "shortest-first-long-apart", "batch-size-caps", "padding-adds-up", "long-text-alone"],
)
def test_texts_are_batched_with_others_of_similar_length(lengths, batch_size, batches):
    assert plan_batches(lengths, batch_size) == batches


def test_vectors_do_not_depend_on_the_batch_a_text_was_in(embedder):
    short = "Data drift moves the inputs."
    alone, _ = embedder.embed_pooled([short])
    together, _ = embedder.embed_pooled([short, short + " " + "It is found with PSI per feature and a threshold. " * 5])
    assert np.array_equal(alone[0], together[0])
