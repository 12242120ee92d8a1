"""The offline grader on real bank questions: ordering, evidence, and answers built to fool it."""

import pytest

from bot.devset import adversarial_answers
from bot.offline_grader import MAX_ANSWER_WORDS, OfflineGrader
from bot.sentences import split_sentences

STRONG_DRIFT = (
    "I'd separate three things. Data drift is the input distribution P(x) moving, concept drift is P(y|x) "
    "changing so the same transaction now means something different, and label drift is the fraud base rate "
    "itself shifting. For detection I'd compute PSI for every numeric feature on daily windows against the "
    "training reference, a chi-square test for categorical ones, and alert when PSI goes over about 0.2 on an "
    "important feature. Since chargebacks arrive 30 to 45 days late, I'd watch the score distribution, the "
    "share of transactions above the review threshold and the analysts' confirmation rate as early proxies. "
    "When an alert fires it goes to the model's on-call owner, who first checks for upstream pipeline bugs, "
    "then decides whether to roll back, retrain or keep watching. Retraining is triggered by sustained drift "
    "or proxy degradation rather than a blind schedule, and the retrained model must beat the current one on "
    "a recent labelled holdout before it is promoted."
)
PARTIAL_DRIFT = (
    "I would compute PSI per feature every day against the training data and alert when it is above 0.2. "
    "Then someone looks at the alert and we retrain the model on recent data."
)
WEAK_DRIFT = "I'd check the accuracy every week and retrain the model if it drops."


class RecordingEmbedder:
    """The real embedder, remembering the texts of every embed_pooled call."""

    def __init__(self, inner):
        self.inner = inner
        self.dimension = inner.dimension
        self.calls: list[list[str]] = []

    def embed_pooled(self, texts):
        self.calls.append(list(texts))
        return self.inner.embed_pooled(texts)

    def vocabulary(self):
        return self.inner.vocabulary()

    def texts(self) -> list[str]:
        return [text for call in self.calls for text in call]


@pytest.fixture(scope="module")
def bank(shipped_bank):
    return shipped_bank


@pytest.fixture(scope="module")
def grader(embedder, shipped_index):
    return OfflineGrader(embedder, shipped_index.reference_vectors())


@pytest.fixture
def drift(bank):
    return bank.get("monitor-drift-detection-plan")


def test_better_answers_score_higher(grader, drift):
    strong, partial, weak = (grader.score(drift, a).score for a in (STRONG_DRIFT, PARTIAL_DRIFT, WEAK_DRIFT))
    assert strong >= 60 > weak
    assert strong > partial > weak


def test_reference_answer_scores_strong(grader, drift):
    score = grader.score(drift, drift.reference_answer)
    assert score.band == "strong"
    assert all(c.credit == "full" for c in score.criteria)


def test_score_has_every_rubric_point_in_order(grader, drift):
    score = grader.score(drift, STRONG_DRIFT)
    assert [c.point_id for c in score.criteria] == [p.id for p in drift.rubric]
    assert [c.weight for c in score.criteria] == [p.weight for p in drift.rubric]
    assert score.question_id == drift.id and score.engine == "offline"


def test_evidence_is_quoted_from_the_answer_itself(grader, drift):
    score = grader.score(drift, STRONG_DRIFT)
    normalized = " ".join(STRONG_DRIFT.split())
    quoted = [c.evidence for c in score.criteria if c.evidence]
    assert quoted
    assert all(quote.rstrip("…") in normalized for quote in quoted)
    assert all(c.evidence == "" for c in score.criteria if c.credit in ("none", "not_assessed"))


def test_points_the_answer_never_touches_are_not_assessed(grader, drift):
    score = grader.score(drift, WEAK_DRIFT)
    assert "not_assessed" in {c.credit for c in score.criteria}


@pytest.mark.parametrize(
    ("kind", "note"),
    [
        ("empty", "The answer is empty."),
        ("dont_know", "The answer says nothing beyond the question's own words."),
        ("question_copy", "The answer says nothing beyond the question's own words."),
        ("gibberish", "The answer is not readable English."),
        ("keyword_list", None),
        ("wrong_question", None),
    ],
)
def test_answers_built_to_fool_the_grader_score_at_most_20(grader, bank, drift, kind, note):
    answer = adversarial_answers(drift, STRONG_DRIFT, bank.with_topic("data_eng_sql")[0])[kind]
    score = grader.score(drift, answer)
    assert score.score <= 20
    if note:
        assert note in score.notes
        assert score.score == 0


def test_good_answer_under_the_wrong_question_earns_little(grader, bank, drift):
    for other in (bank.with_topic("data_eng_sql")[0], bank.with_topic("behavioral")[0], bank.with_topic("coding")[0]):
        assert grader.score(other, STRONG_DRIFT).score <= 20, other.id


def test_instructions_to_the_grader_are_ignored(grader, bank, drift):
    plain = grader.score(drift, STRONG_DRIFT)
    injected = grader.score(drift, adversarial_answers(drift, STRONG_DRIFT, drift)["injected"])
    assert injected.score == plain.score
    assert [c.credit for c in injected.criteria] == [c.credit for c in plain.criteria]
    assert "Text addressed to the grader was ignored." in injected.notes


def test_a_huge_answer_is_graded_on_its_first_words(grader, drift):
    huge = (STRONG_DRIFT + " ") * 40
    score = grader.score(drift, huge)
    assert f"Only the first {MAX_ANSWER_WORDS:,} words were graded." in score.notes
    assert score.score >= grader.score(drift, STRONG_DRIFT).score - 10


def test_notes_given_by_the_caller_are_kept(grader, drift):
    assert grader.score(drift, PARTIAL_DRIFT, notes=("A hint was used.",)).notes[0] == "A hint was used."


@pytest.fixture
def recorder(embedder):
    return RecordingEmbedder(embedder)


def test_preparing_a_question_embeds_each_of_its_texts_once(recorder, shipped_index, drift):
    grader = OfflineGrader(recorder, shipped_index.reference_vectors())
    grader.prepare(drift)
    grader.score(drift, PARTIAL_DRIFT)
    prepared = [p.point for p in drift.rubric] + split_sentences(drift.reference_answer) + list(drift.red_flags)
    assert recorder.calls[0] == prepared
    assert recorder.texts() == prepared + split_sentences(PARTIAL_DRIFT)


def test_a_follow_up_embeds_only_the_sentences_not_seen_before(recorder, shipped_index, drift):
    grader = OfflineGrader(recorder, shipped_index.reference_vectors())
    grader.prepare(drift)
    recorder.calls.clear()
    grader.score(drift, PARTIAL_DRIFT)
    grader.score(drift, PARTIAL_DRIFT)  # a hint grades the same answers again
    grader.score(drift, PARTIAL_DRIFT + "\n" + WEAK_DRIFT + "\n" + WEAK_DRIFT)
    assert recorder.texts() == split_sentences(PARTIAL_DRIFT) + [WEAK_DRIFT]


def test_cached_sentences_give_the_same_scores_as_embedding_afresh(embedder, shipped_index, drift):
    cached = OfflineGrader(embedder, shipped_index.reference_vectors())
    uncached = OfflineGrader(embedder, shipped_index.reference_vectors(), cache_size=0)
    joined = PARTIAL_DRIFT + "\n" + STRONG_DRIFT + "\n" + WEAK_DRIFT
    for answer in (PARTIAL_DRIFT, STRONG_DRIFT, joined):
        cached.score(drift, answer)
    assert cached.score(drift, joined) == uncached.score(drift, joined)
    assert cached.score_many([(drift, joined), (drift, WEAK_DRIFT)]) == [
        uncached.score(drift, joined), uncached.score(drift, WEAK_DRIFT)
    ]


def test_the_cache_keeps_only_the_most_recent_sentences(recorder, shipped_index, drift):
    grader = OfflineGrader(recorder, shipped_index.reference_vectors(), cache_size=2)
    grader.prepare(drift)
    recorder.calls.clear()
    sentences = split_sentences(STRONG_DRIFT)
    grader.score(drift, STRONG_DRIFT)
    grader.score(drift, STRONG_DRIFT)
    assert recorder.texts() == sentences + sentences[:-2]
