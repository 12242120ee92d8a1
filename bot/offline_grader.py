"""The offline grader: each rubric point against the answer's sentences and short windows of them.

Grading runs in two steps. `analyze` does the costly part once (sentence embeddings, word
stems, how the answer relates to its question and to every other question in the bank) and
returns plain arrays; `grade` turns those into credits with a few constants (GraderParams) that
bench/fit_grader.py fits on the fit half of the dev set.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from bot.bank import Question
from bot.embeddings import Embedder, normalize
from bot.scoring import OFFLINE_ENGINE, Credit, Criterion, Score, band_for, feedback_text, level_for, quote
from bot.scoring import weighted_score
from bot.sentences import function_word_counts, known_word_share, split_sentences, stems

MAX_ANSWER_WORDS = 3000  # longer answers are graded on their first 3,000 words, and the score says so
WINDOW_SIZES = (1, 2, 3)  # sentences per segment: single sentences and windows of two and three
# An interview re-grades all of a question's answers joined after each follow-up, and a hint grades
# them once more, so recent sentences are kept rather than embedded again (4,096 is about 6 MB).
SENTENCE_CACHE_SIZE = 4096

# Sentences addressed to whoever grades the answer rather than to the interviewer's question.
_GRADER_DIRECTED = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,60}\b(rubric|instructions?|prompt|grader|grading|above|previous)\b"
    r"|\b(give|award|assign|grant|score)\b.{0,40}\b(full|maximum|max|perfect|100|top)\b.{0,20}"
    r"\b(marks?|points?|score|credit)\b"
    r"|\b(you are|act as)\b.{0,30}\b(grader|judge|evaluator)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class GraderParams:
    """The offline grader's constants, fitted on the dev set's fit half (bench/fit_grader.py)."""

    lexical_weight: float = 0.5  # share of the match from the point's own words found in the segment
    prose_share: float = 0.12  # function-word share at which a segment counts as prose, not keywords
    relevance_low: float = -0.8  # reference margin at which an answer is judged off the question
    relevance_high: float = -0.12  # reference margin from which an answer is fully on the question
    full_at: float = 0.42
    partial_at: float = 0.34
    touched_at: float = 0.25  # not fitted (no effect on the score): below it a point is "not assessed"
    # Not fitted: similarity finds red flags imprecisely, so the bar is set where most flags found
    # on the dev set are right (bench/grader_agreement.py prints the precision).
    red_flag_at: float = 0.82
    red_flag_penalty: int = 10
    min_content_words: int = 4
    min_known_share: float = 0.6


@dataclass
class AnswerSignals:
    """Everything the grader measured about one answer, before any constant is applied."""

    notes: list[str]
    unusable: str | None = None  # why the answer cannot earn credit at all, if it cannot
    segments: list[str] = field(default_factory=list)
    segment_sizes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    function_share: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per segment
    semantic: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # points x segments
    lexical: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # points x segments
    reference_margin: float = 0.0  # similarity to its own reference minus the best other reference
    red_flag_similarity: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per red flag


@dataclass
class _Prepared:
    points: np.ndarray  # unit vectors, one per rubric point
    anchors: np.ndarray  # the reference sentence nearest each point
    anchor_texts: list[str]
    point_stems: list[set[str]]
    question_stems: frozenset[str]
    reference: np.ndarray
    red_flags: np.ndarray


class OfflineGrader:
    """Scores answers against their question's rubric with local embeddings: no network, no key."""

    engine = OFFLINE_ENGINE

    def __init__(
        self, embedder: Embedder, contrast: tuple[list[str], np.ndarray], params: GraderParams | None = None,
        cache_size: int = SENTENCE_CACHE_SIZE,
    ):
        """`contrast` is (question ids, reference-answer vectors) of the bank, from the index."""
        self.embedder = embedder
        self.params = params or GraderParams()
        self._contrast_ids, self._contrast = contrast
        self._prepared: dict[str, _Prepared] = {}
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[np.ndarray, float]] = OrderedDict()  # sentence -> pooled, tokens
        self._cache_lock = threading.Lock()  # the page may grade on several threads

    def score(self, question: Question, answer: str, notes: tuple[str, ...] = ()) -> Score:
        """The answer's score against the question's rubric."""
        prepared = self._prepare(question)
        return self.grade(question, self._analyze(question, prepared, answer, notes), prepared=prepared)

    def score_many(self, items: list[tuple[Question, str]]) -> list[Score]:
        """Scores for many (question, answer) pairs, embedding all their sentences in one pass."""
        prepared = [self._prepare(question) for question, _ in items]
        started = [self._start(p, answer, ()) for p, (_, answer) in zip(prepared, items)]
        sentences = [sentence for _, pieces in started for sentence in pieces]
        pooled, counts = self._embed_sentences(sentences)
        scores, offset = [], 0
        for (question, _), ready, (signals, pieces) in zip(items, prepared, started):
            span = slice(offset, offset + len(pieces))
            offset += len(pieces)
            if not signals.unusable:
                self._measure(question.id, ready, signals, pieces, pooled[span], counts[span])
            scores.append(self.grade(question, signals, prepared=ready))
        return scores

    def prepare(self, question: Question) -> None:
        """Embed the question's rubric, reference and red flags now, so its first answer waits less."""
        self._prepare(question)

    def _embed_sentences(self, sentences: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Pooled vectors and token counts of answer sentences, embedding only those not seen lately."""
        if not sentences:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32), np.zeros(0, dtype=np.float32)
        with self._cache_lock:
            known = {s: self._cache[s] for s in sentences if s in self._cache}
        missing = [s for s in dict.fromkeys(sentences) if s not in known]
        pooled, counts = self.embedder.embed_pooled(missing)
        known.update(zip(missing, zip(pooled, counts)))
        with self._cache_lock:
            for sentence in dict.fromkeys(sentences):
                self._cache[sentence] = known[sentence]
                self._cache.move_to_end(sentence)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return np.stack([known[s][0] for s in sentences]), np.array([known[s][1] for s in sentences], dtype=np.float32)

    def forget_sentences(self) -> None:
        """Empty the sentence cache, so the next answer is embedded from scratch."""
        with self._cache_lock:
            self._cache.clear()

    # -- step 1: measure ---------------------------------------------------------------------

    def analyze(self, question: Question, answer: str, notes: tuple[str, ...] = ()) -> AnswerSignals:
        """Measure the answer against each rubric point, the reference and the red flags."""
        return self._analyze(question, self._prepare(question), answer, notes)

    def _analyze(self, question: Question, prepared: _Prepared, answer: str, notes) -> AnswerSignals:
        signals, sentences = self._start(prepared, answer, notes)
        if not signals.unusable:
            pooled, counts = self._embed_sentences(sentences)
            self._measure(question.id, prepared, signals, sentences, pooled, counts)
        return signals

    def _start(self, prepared: _Prepared, answer: str, notes) -> tuple[AnswerSignals, list[str]]:
        """Clean the answer, note what was dropped, and split it into sentences (none if unusable)."""
        signals = AnswerSignals(notes=list(notes))
        kept, dropped = drop_grader_directed(answer)
        if dropped:
            signals.notes.append("Text addressed to the grader was ignored.")
        answer_words = kept.split()
        if len(answer_words) > MAX_ANSWER_WORDS:
            kept = " ".join(answer_words[:MAX_ANSWER_WORDS])
            signals.notes.append(f"Only the first {MAX_ANSWER_WORDS:,} words were graded.")
        signals.unusable = self._unusable(kept, prepared)
        return signals, ([] if signals.unusable else split_sentences(kept))

    def _measure(self, question_id: str, prepared: _Prepared, signals: AnswerSignals, sentences, pooled, counts):
        sentence_stems = [stems(sentence, drop=prepared.question_stems) for sentence in sentences]
        sentence_function = [function_word_counts(sentence) for sentence in sentences]
        texts, vectors, sizes, segment_stems, shares = [], [], [], [], []
        for size in WINDOW_SIZES:
            for start in range(0, len(sentences) - size + 1):
                span = slice(start, start + size)
                texts.append(" ".join(sentences[span]))
                # Token-weighted pooled vectors approximate the joined text's vector.
                vectors.append(normalize((pooled[span] * counts[span, None]).sum(axis=0)))
                sizes.append(size)
                segment_stems.append(set().union(*sentence_stems[span]))
                function, total = map(sum, zip(*sentence_function[span]))
                shares.append(function / total if total else 0.0)
        vectors = np.stack(vectors)
        signals.segments = texts
        signals.segment_sizes = np.array(sizes)
        signals.function_share = np.array(shares)
        signals.semantic = np.maximum(prepared.points @ vectors.T, prepared.anchors @ vectors.T)
        signals.lexical = np.array(
            [[len(wanted & found) / len(wanted) if wanted else 0.0 for found in segment_stems]
             for wanted in prepared.point_stems]
        )
        whole = normalize((pooled * counts[:, None]).sum(axis=0))
        signals.reference_margin = self._reference_margin(question_id, whole, prepared)
        singles = vectors[signals.segment_sizes == 1]
        if len(prepared.red_flags):
            signals.red_flag_similarity = (prepared.red_flags @ singles.T).max(axis=1)

    def _prepare(self, question: Question) -> _Prepared:
        key = question.content_hash()
        if key not in self._prepared:
            reference_sentences = split_sentences(question.reference_answer)
            texts = [p.point for p in question.rubric] + reference_sentences + list(question.red_flags)
            pooled, counts = self.embedder.embed_pooled(texts)
            vectors = normalize(pooled)
            n_points, n_reference = len(question.rubric), len(reference_sentences)
            points = vectors[:n_points]
            span = slice(n_points, n_points + n_reference)
            reference = vectors[span]
            # The reference's document vector (as Embedder.embed_documents makes it) from the
            # sentences just embedded, rather than embedding them a second time.
            reference_vector = normalize((pooled[span] * counts[span, None]).sum(axis=0))
            nearest = (points @ reference.T).argmax(axis=1)
            question_stems = frozenset(stems(question.question))
            self._prepared[key] = _Prepared(
                points=points,
                anchors=reference[nearest],
                anchor_texts=[reference_sentences[i] for i in nearest],
                point_stems=[stems(p.point, drop=question_stems) for p in question.rubric],
                question_stems=question_stems,
                reference=reference_vector,
                red_flags=vectors[n_points + n_reference :],
            )
        return self._prepared[key]

    def _unusable(self, answer: str, prepared: _Prepared) -> str | None:
        if not answer.strip():
            return "The answer is empty."
        if known_word_share(answer, self.embedder.vocabulary()) < self.params.min_known_share:
            return "The answer is not readable English."
        if len(stems(answer, drop=prepared.question_stems)) < self.params.min_content_words:
            return "The answer says nothing beyond the question's own words."
        return None

    def _reference_margin(self, question_id: str, whole: np.ndarray, prepared: _Prepared) -> float:
        others = self._contrast @ whole
        if question_id in self._contrast_ids:
            others[self._contrast_ids.index(question_id)] = -1.0
        best_other = float(others.max()) if len(others) else -1.0
        return float(whole @ prepared.reference) - best_other

    # -- step 2: decide ----------------------------------------------------------------------

    def grade(
        self, question: Question, signals: AnswerSignals, params: GraderParams | None = None, prepared=None
    ) -> Score:
        """Credits, score, band, level and feedback from measured signals."""
        params = params or self.params
        prepared = prepared or self._prepare(question)
        matches = self.matches(signals, params) if not signals.unusable else [(0.0, None)] * len(question.rubric)
        criteria = []
        for index, point in enumerate(question.rubric):
            match, best = matches[index]
            credit = credit_for(match, params)
            evidence = signals.segments[best] if best is not None and credit in ("full", "partial") else ""
            criteria.append(
                Criterion(
                    point_id=point.id, point=point.point, weight=point.weight, credit=credit,
                    evidence=quote(evidence), match=round(match, 4),
                )
            )
        flags = [
            flag for flag, similarity in zip(question.red_flags, signals.red_flag_similarity)
            if similarity >= params.red_flag_at
        ]
        score = weighted_score(criteria, len(flags), params.red_flag_penalty)
        notes = signals.notes + ([signals.unusable] if signals.unusable else [])
        return Score(
            question_id=question.id,
            score=score,
            band=band_for(score),
            level=level_for(score, question.levels),
            criteria=criteria,
            red_flags=flags,
            feedback=feedback_text(criteria, prepared.anchor_texts, flags),
            notes=notes,
            engine=self.engine,
        )

    @staticmethod
    def matches(signals: AnswerSignals, params: GraderParams) -> list[tuple[float, int | None]]:
        """Per rubric point, the best match in [0, 1] and the index of the segment that gave it."""
        prose = np.minimum(1.0, signals.function_share / params.prose_share)
        span = params.relevance_high - params.relevance_low
        relevance = float(np.clip((signals.reference_margin - params.relevance_low) / span, 0.0, 1.0))
        match = prose * ((1 - params.lexical_weight) * signals.semantic + params.lexical_weight * signals.lexical)
        match = np.clip(match * relevance, 0.0, 1.0)
        found = []
        for row in match:
            best = int(row.argmax())
            # Prefer the shortest segment that is nearly as good, so the quoted evidence stays tight.
            close = np.flatnonzero(row >= row[best] - 0.01)
            best = int(close[np.argmin(signals.segment_sizes[close])])
            found.append((float(row[best]), best))
        return found


def credit_for(match: float, params: GraderParams) -> Credit:
    """The credit a match signal earns."""
    if match >= params.full_at:
        return "full"
    if match >= params.partial_at:
        return "partial"
    if match >= params.touched_at:
        return "none"
    return "not_assessed"


def drop_grader_directed(answer: str) -> tuple[str, list[str]]:
    """The answer without sentences addressed to the grader, and the sentences dropped."""
    kept, dropped = [], []
    for line in answer.splitlines():
        parts = re.split(r"(?<=[.!?])\s+", line)
        dropped += [part for part in parts if _GRADER_DIRECTED.search(part)]
        kept.append(" ".join(part for part in parts if not _GRADER_DIRECTED.search(part)))
    return "\n".join(kept), dropped
