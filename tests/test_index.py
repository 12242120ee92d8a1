import shutil
import subprocess
import uuid

import pytest

from bot.bank import Question
from bot.index import IndexUnavailableError, SearchFilters, index_text, open_index
from bot.settings import Settings
from tests.conftest import free_port, wait_for_port

QUESTIONS = [
    ("q-drift", "mlops_monitor_retrain", "scenario", ["mid", "senior"], 2,
     "How would you detect data drift in a payment fraud model?"),
    ("q-sql", "data_eng_sql", "coding", ["junior", "mid"], 1,
     "Write a SQL query returning the top three products per category by revenue."),
    ("q-feature-store", "mlops_platform_cicd", "design", ["senior", "staff"], 3,
     "Design a feature store with online and offline stores and point-in-time correct joins."),
    ("q-dropout", "deep_learning", "conceptual", ["junior"], 1,
     "Why does dropout reduce overfitting in neural networks?"),
    ("q-canary", "mlops_deploy_serve", "scenario", ["mid", "senior"], 2,
     "How would you roll out a new model version with a canary release and automatic rollback?"),
    ("q-star", "behavioral", "behavioral", ["senior", "staff"], 2,
     "Tell me about a time a model you shipped failed in production."),
]


def make_question(id, topic, type, levels, difficulty, text):
    return Question.model_validate(
        {
            "id": id,
            "topic": topic,
            "subtopic": "test",
            "type": type,
            "levels": levels,
            "difficulty": difficulty,
            "minutes": 5,
            "question": text,
            "rubric": [
                {"id": "a", "weight": 1, "point": "First point."},
                {"id": "b", "weight": 1, "point": "Second point."},
                {"id": "c", "weight": 1, "point": "Third point."},
            ],
            "red_flags": ["A wrong claim."],
            "level_signals": {"junior": "Basic.", "senior": "Deep."},
            "follow_ups": [
                {"question": "Why?", "targets": ["a"]},
                {"question": "How?", "targets": ["b", "c"]},
            ],
            "reference_answer": f"Reference answer for {id}.",
            "tags": ["test"],
        }
    )


@pytest.fixture
def questions():
    return [make_question(*row) for row in QUESTIONS]


class RecordingEmbedder:
    """The real embedder, remembering every text it was asked to embed."""

    def __init__(self, inner, name=None):
        self._inner = inner
        self.name = name or inner.name
        self.dimension = inner.dimension
        self.texts = []

    def embed(self, texts):
        self.texts.extend(texts)
        return self._inner.embed(texts)

    def embed_one(self, text):
        return self.embed([text])[0]

    def embed_documents(self, texts):
        self.texts.extend(texts)
        return self._inner.embed_documents(texts)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server (chroma run) on 127.0.0.1, stopped at the end of the session."""
    executable = shutil.which("chroma")
    assert executable, "the chroma command comes with the chromadb package"
    port = free_port()
    log = (tmp_path_factory.mktemp("chroma-server") / "server.log").open("w")
    process = subprocess.Popen(
        [executable, "run", "--path", str(tmp_path_factory.mktemp("chroma-data")), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    if not wait_for_port(port, 30, process):
        process.kill()
        pytest.fail("chroma run did not start within 30 s")
    yield port
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def settings(request, tmp_path):
    if request.param == "embedded":
        return Settings(data_dir=tmp_path / "data")
    port = request.getfixturevalue("chroma_server")
    return Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=port)


@pytest.fixture
def collection():
    return f"test-{uuid.uuid4().hex[:12]}"


def test_first_build_embeds_every_question(settings, collection, embedder, questions):
    recorder = RecordingEmbedder(embedder)
    result = open_index(settings, recorder, collection).sync(questions)
    assert (result.total, result.added, result.updated, result.deleted, result.unchanged) == (6, 6, 0, 0, 0)
    assert sorted(recorder.texts) == sorted([index_text(q) for q in questions] + [q.reference_answer for q in questions])
    assert open_index(settings, recorder, collection).count() == 6


def test_reference_answers_are_indexed_beside_the_questions(settings, collection, embedder, questions):
    index = open_index(settings, embedder, collection)
    index.sync(questions)
    ids, vectors = index.reference_vectors()
    assert sorted(ids) == sorted(q.id for q in questions)
    row = ids.index("q-sql")
    assert float(vectors[row] @ embedder.embed_documents(["Reference answer for q-sql."])[0]) > 0.999


def test_sync_without_references_embeds_only_questions(settings, collection, embedder, questions):
    recorder = RecordingEmbedder(embedder)
    open_index(settings, recorder, collection).sync(questions, references=False)
    assert sorted(recorder.texts) == sorted(index_text(q) for q in questions)


def test_rebuild_without_changes_embeds_nothing(settings, collection, embedder, questions):
    open_index(settings, embedder, collection).sync(questions)
    recorder = RecordingEmbedder(embedder)
    result = open_index(settings, recorder, collection).sync(questions)
    assert (result.added, result.updated, result.deleted, result.unchanged) == (0, 0, 0, 6)
    assert recorder.texts == []


def test_rebuild_reembeds_only_the_changed_question_and_deletes_removed_ones(
    settings, collection, embedder, questions
):
    open_index(settings, embedder, collection).sync(questions)
    changed = questions[0].model_copy(update={"question": "How would you detect concept drift in a credit model?"})
    added = make_question("q-new", "nlp_llm", "conceptual", ["mid"], 2, "What is LoRA and why does it save memory?")
    new_bank = [changed, *questions[1:4], added]  # q-canary and q-star removed
    recorder = RecordingEmbedder(embedder)
    index = open_index(settings, recorder, collection)
    result = index.sync(new_bank)
    assert (result.total, result.added, result.updated, result.deleted, result.unchanged) == (5, 1, 1, 2, 3)
    assert sorted(recorder.texts) == sorted(
        [index_text(changed), index_text(added), changed.reference_answer, added.reference_answer]
    )
    assert index.count() == 5
    assert set(index.stored_hashes()) == {"q-drift", "q-sql", "q-feature-store", "q-dropout", "q-new"}
    top = index.search("concept drift in credit scoring", k=1)[0]
    assert top.id == "q-drift"


def test_search_ranks_the_paraphrased_question_first(settings, collection, embedder, questions):
    index = open_index(settings, embedder, collection)
    index.sync(questions)
    hits = index.search("releasing a model gradually to a small share of traffic, then rolling back", k=3)
    assert hits[0].id == "q-canary"
    assert hits[0].similarity > hits[1].similarity >= hits[2].similarity


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(topic="deep_learning"), {"q-dropout"}),
        (SearchFilters(level="staff"), {"q-feature-store", "q-star"}),
        (SearchFilters(level="junior"), {"q-sql", "q-dropout"}),
        (SearchFilters(type="scenario"), {"q-drift", "q-canary"}),
        (SearchFilters(difficulty=2), {"q-drift", "q-canary", "q-star"}),
        (SearchFilters(level="mid", difficulty=2), {"q-drift", "q-canary"}),
        (SearchFilters(exclude=("q-drift", "q-sql", "q-star")), {"q-feature-store", "q-dropout", "q-canary"}),
        (SearchFilters(type="scenario", exclude=("q-canary",)), {"q-drift"}),
        (SearchFilters(topic="coding"), set()),
    ],
    ids=["topic", "level-staff", "level-junior", "type", "difficulty", "level-and-difficulty", "exclude",
         "type-and-exclude", "no-match"],
)
def test_filters_and_exclude_list(settings, collection, embedder, questions, filters, expected):
    index = open_index(settings, embedder, collection)
    index.sync(questions)
    hits = index.search("machine learning interview question", k=10, filters=filters)
    assert {hit.id for hit in hits} == expected


def test_changing_the_embedding_model_rebuilds_the_collection(tmp_path, embedder, questions):
    settings = Settings(data_dir=tmp_path / "data")
    open_index(settings, embedder, "swap-test").sync(questions)
    recorder = RecordingEmbedder(embedder, name="another-model")
    index = open_index(settings, recorder, "swap-test")
    assert index.count() == 0
    assert index.sync(questions).added == 6


def test_embedded_index_lives_under_the_data_folder(tmp_path, embedder, questions):
    settings = Settings(data_dir=tmp_path / "data")
    open_index(settings, embedder).sync(questions)
    assert (tmp_path / "data" / "chroma").is_dir()


def test_unreachable_chroma_server_is_one_clear_error(tmp_path, embedder):
    settings = Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(IndexUnavailableError, match=r"^Cannot reach the Chroma server at 127\.0\.0\.1:\d+"):
        open_index(settings, embedder)
