"""The vector index of bank questions in Chroma (the only module that imports chromadb)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.bank import LEVELS, Question
from bot.embeddings import Embedder
from bot.errors import BotError
from bot.settings import Settings
from bot.vector_cache import VectorCache

COLLECTION = "questions"
UPSERT_CHUNK = 512  # questions embedded and written per step; bounds memory on huge banks
PAGE = 5000  # rows read per step when listing what the index holds
BROAD_FILTER_SHARE = 0.25  # from this share of rows passing a filter, over-fetch from HNSW instead


class IndexUnavailableError(BotError):
    """The vector store cannot be opened or reached."""


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions on a search; None means any."""

    topic: str | None = None
    level: str | None = None
    type: str | None = None
    difficulty: int | None = None
    exclude: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when nothing is restricted."""
        return not (self.topic or self.level or self.type or self.difficulty or self.exclude)


@dataclass(frozen=True)
class SearchHit:
    """A question id found by a search, with its cosine similarity to the query."""

    id: str
    similarity: float


@dataclass(frozen=True)
class SyncResult:
    """What a build or update of the index did."""

    total: int
    added: int
    updated: int
    deleted: int
    unchanged: int
    seconds: float
    references_embedded: int = 0


def vector_method(embedder: Embedder, documents: bool) -> str:
    """How a collection's vectors are made: the model, and whole texts or sentence means."""
    return f"{embedder.name}/{'sentence-mean' if documents else 'text'}"


def index_text(question: Question) -> str:
    """The text embedded for a question: the question, its subtopic and its tags."""
    return f"{question.question}\n{question.subtopic}; {', '.join(question.tags)}"


def question_vectors(questions: Sequence[Question], embedder: Embedder) -> dict[str, np.ndarray]:
    """Question id -> unit vector of its index text, from the shipped vectors where they are known."""
    texts = [index_text(q) for q in questions]
    vectors = VectorCache.load().embed(vector_method(embedder, False), texts, embedder.embed)
    return {q.id: vector for q, vector in zip(questions, vectors)}


def vector_entries(questions: Sequence[Question], embedder: Embedder) -> list[tuple[str, np.ndarray]]:
    """(cache key, vector) of every question text and reference answer, as the index embeds them."""
    from bot.vector_cache import text_key

    entries = []
    for documents, text in ((False, index_text), (True, lambda q: q.reference_answer)):
        method = vector_method(embedder, documents)
        texts = [text(q) for q in questions]
        vectors = (embedder.embed_documents if documents else embedder.embed)(texts)
        entries += [(text_key(method, t), v) for t, v in zip(texts, vectors)]
    return entries


def _metadata(question: Question) -> dict:
    metadata = {
        "qid": question.id,
        "topic": question.topic,
        "type": question.type,
        "difficulty": question.difficulty,
        "levels": ",".join(question.levels),
        "content_hash": question.content_hash(),
    }
    metadata.update({f"level_{level}": level in question.levels for level in LEVELS})
    return metadata


class _Store:
    """One Chroma collection of texts keyed by question id, kept in step by content hash."""

    def __init__(self, collection, embedder: Embedder, label: str, documents: bool = False,
                 cache: VectorCache | None = None):
        self.collection = collection
        self._embedder = embedder
        self._label = label
        self.method = vector_method(embedder, documents)
        embed = embedder.embed_documents if documents else embedder.embed
        cache = cache or VectorCache()
        self._embed = lambda texts: cache.embed(self.method, texts, embed)

    def pages(self, include: list[str]):
        """The whole collection, PAGE rows at a time."""
        offset = 0
        while True:
            page = self.collection.get(include=include, limit=PAGE, offset=offset)
            yield page
            if len(page["ids"]) < PAGE:
                return
            offset += PAGE

    def stored_hashes(self) -> dict[str, str]:
        return {
            question_id: (metadata or {}).get("content_hash", "")
            for page in self.pages(["metadatas"])
            for question_id, metadata in zip(page["ids"], page["metadatas"])
        }

    def sync(self, questions: dict[str, Question], text, metadata, progress: bool) -> tuple[int, int, int]:
        """(added, updated, deleted) after embedding what changed and deleting what went."""
        stored = self.stored_hashes()
        changed = [q for qid, q in questions.items() if stored.get(qid) != q.content_hash()]
        added = sum(1 for q in changed if q.id not in stored)
        removed = [qid for qid in stored if qid not in questions]
        for start in range(0, len(removed), UPSERT_CHUNK):
            self.collection.delete(ids=removed[start : start + UPSERT_CHUNK])
        if changed:
            from tqdm import tqdm

            with tqdm(total=len(changed), desc=f"Embedding {self._label}", unit="q", disable=not progress) as bar:
                for start in range(0, len(changed), UPSERT_CHUNK):
                    chunk = changed[start : start + UPSERT_CHUNK]
                    texts = [text(q) for q in chunk]
                    self.collection.upsert(
                        ids=[q.id for q in chunk],
                        embeddings=self._embed(texts),
                        documents=texts,
                        metadatas=[metadata(q) for q in chunk],
                    )
                    bar.update(len(chunk))
        return added, len(changed) - added, len(removed)

    def read_all(self) -> tuple[list[str], np.ndarray, list[dict]]:
        """Every id, vector and metadata in the collection."""
        ids, vectors, metadatas = [], [], []
        for page in self.pages(["embeddings", "metadatas"]):
            ids += page["ids"]
            vectors.append(np.asarray(page["embeddings"], dtype=np.float32).reshape(-1, self._embedder.dimension))
            metadatas += page["metadatas"]
        return ids, np.concatenate(vectors), metadatas


def _reference_metadata(question: Question) -> dict:
    return {"qid": question.id, "content_hash": question.content_hash()}


class QuestionIndex:
    """Questions and their reference answers embedded in Chroma, kept in step with the bank."""

    def __init__(self, questions_collection, references_collection, embedder: Embedder,
                 cache: VectorCache | None = None):
        self._questions = _Store(questions_collection, embedder, "questions", cache=cache)
        self._references = _Store(references_collection, embedder, "reference answers", documents=True, cache=cache)
        self._embedder = embedder
        self._mirror: _Mirror | None = None
        self._reference_mirror: tuple[list[str], np.ndarray] | None = None

    def count(self) -> int:
        """How many questions the index holds."""
        return self._questions.collection.count()

    def stored_hashes(self) -> dict[str, str]:
        """Question id -> content hash, for every question in the index."""
        return self._questions.stored_hashes()

    def sync(self, questions: Iterable[Question], progress: bool = False, references: bool = True) -> SyncResult:
        """Embed added and changed questions (and their reference answers), delete removed ones.

        The reference answers feed the grader's test of whether an answer is about its question;
        `references=False` skips them where no grading happens (synthetic benchmark banks).
        """
        started = time.perf_counter()
        wanted = {question.id: question for question in questions}
        added, updated, deleted = self._questions.sync(wanted, index_text, _metadata, progress)
        changed_references = (0, 0, 0)
        if references:
            changed_references = self._references.sync(
                wanted, lambda q: q.reference_answer, _reference_metadata, progress
            )
        if added or updated or deleted:
            self._mirror = None
        if any(changed_references):
            self._reference_mirror = None
        return SyncResult(
            total=len(wanted),
            added=added,
            updated=updated,
            deleted=deleted,
            unchanged=len(wanted) - added - updated,
            seconds=time.perf_counter() - started,
            references_embedded=changed_references[0] + changed_references[1],
        )

    def reference_vectors(self) -> tuple[list[str], np.ndarray]:
        """Question ids and the unit vectors of their reference answers."""
        if self._reference_mirror is None:
            ids, vectors, _ = self._references.read_all()
            self._reference_mirror = (ids, vectors)
        return self._reference_mirror

    def search(self, text: str, k: int = 5, filters: SearchFilters = SearchFilters()) -> list[SearchHit]:
        """The k questions nearest in meaning to the text that pass the filters, best first."""
        return self.search_vector(self._embedder.embed_one(text), k, filters)

    def search_vector(self, vector, k: int = 5, filters: SearchFilters = SearchFilters()) -> list[SearchHit]:
        """The k questions nearest to a query vector that pass the filters, best first."""
        if k < 1:
            return []
        if filters.is_empty:
            return self._search_unfiltered(vector, k)
        return self._search_filtered(np.asarray(vector, dtype=np.float32), k, filters)

    def _search_unfiltered(self, vector, k: int) -> list[SearchHit]:
        # Only ids and distances come back: callers hold the bank, and reading metadata costs time.
        # (No count() first: it scans the collection, ~10 ms at 100,000 rows, and query copes alone.)
        result = self._questions.collection.query(query_embeddings=[vector], n_results=k, include=["distances"])
        return [
            SearchHit(id=question_id, similarity=1.0 - float(distance))
            for question_id, distance in zip(result["ids"][0], result["distances"][0])
        ]

    def _search_filtered(self, vector: np.ndarray, k: int, filters: SearchFilters) -> list[SearchHit]:
        # Chroma filters metadata before its vector search at a cost that grows with the rows that
        # match (about 7 ms per 1,000 measured), so filters are applied to an in-memory copy of the
        # metadata instead. When most rows pass, Chroma's HNSW search fetches a few extra results
        # to filter; when few pass, an exact search over just those rows' vectors is cheaper.
        mirror = self._load_mirror()
        keep = mirror.mask(filters)
        passing = int(keep.sum())
        if passing == 0:
            return []
        if passing >= BROAD_FILTER_SHARE * len(keep):
            fetch = min(len(keep), int(np.ceil(k * len(keep) / passing * 3)) + len(filters.exclude))
            hits = [h for h in self._search_unfiltered(vector, fetch) if h.id in mirror.row and keep[mirror.row[h.id]]]
            if len(hits) >= k or fetch >= len(keep):
                return hits[:k]
        if passing < BROAD_FILTER_SHARE * len(keep):
            rows = np.flatnonzero(keep)
            similarity = mirror.vectors[rows] @ vector  # copies only the few rows that pass
        else:
            rows = np.arange(len(keep))
            similarity = np.where(keep, mirror.vectors @ vector, -np.inf)
        top = min(k, passing)
        best = np.argpartition(-similarity, top - 1)[:top]
        best = best[np.argsort(-similarity[best])]
        return [SearchHit(id=mirror.ids[rows[i]], similarity=float(similarity[i])) for i in best]

    def _load_mirror(self) -> _Mirror:
        if self._mirror is None:
            self._mirror = _Mirror.build(*self._questions.read_all())
        return self._mirror


class _Mirror:
    """The index's ids, vectors and filterable metadata in memory, for exact filtered search."""

    def __init__(self, ids, vectors, topics, types, difficulties, levels):
        self.ids: list[str] = ids
        self.vectors: np.ndarray = vectors
        self.row = {question_id: row for row, question_id in enumerate(ids)}
        # Topics and types as small integer codes: comparing them is ~100x faster than strings.
        self._topic_codes = {topic: code for code, topic in enumerate(sorted(set(topics)))}
        self._type_codes = {kind: code for code, kind in enumerate(sorted(set(types)))}
        self._topics = np.array([self._topic_codes[t] for t in topics], dtype=np.int16)
        self._types = np.array([self._type_codes[t] for t in types], dtype=np.int16)
        self._difficulties, self._levels = difficulties, levels

    @classmethod
    def build(cls, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> _Mirror:
        return cls(
            ids,
            vectors,
            [m["topic"] for m in metadatas],
            [m["type"] for m in metadatas],
            np.array([int(m["difficulty"]) for m in metadatas], dtype=np.int8),
            {level: np.array([bool(m.get(f"level_{level}")) for m in metadatas]) for level in LEVELS},
        )

    def mask(self, filters: SearchFilters) -> np.ndarray:
        """Rows that pass the filters."""
        keep = np.ones(len(self.ids), dtype=bool)
        if filters.topic:
            keep &= self._topics == self._topic_codes.get(filters.topic, -1)
        if filters.type:
            keep &= self._types == self._type_codes.get(filters.type, -1)
        if filters.difficulty:
            keep &= self._difficulties == int(filters.difficulty)
        if filters.level:
            keep &= self._levels[filters.level]
        for question_id in filters.exclude:
            if question_id in self.row:
                keep[self.row[question_id]] = False
        return keep


def open_index(
    settings: Settings, embedder: Embedder, collection: str = COLLECTION, cache: VectorCache | None = None
) -> QuestionIndex:
    """The question index in the embedded Chroma store, or on the Chroma server when one is set.
    Texts of the shipped bank take their vectors from the shipped file unless another cache is given."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.uses_chroma_server:
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
            client.heartbeat()
        except Exception as error:  # chromadb raises several kinds; all mean "not reachable"
            raise IndexUnavailableError(
                f"Cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} ({error})."
            ) from None
    else:
        try:
            settings.chroma_path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
        except Exception as error:  # a folder we cannot write, or a store another version wrote
            raise IndexUnavailableError(f"Cannot open the index in {settings.chroma_path} ({error}).") from None

    questions = _open_collection(client, collection, vector_method(embedder, documents=False))
    references = _open_collection(client, f"{collection}-references", vector_method(embedder, documents=True))
    return QuestionIndex(questions, references, embedder, VectorCache.load() if cache is None else cache)


def _open_collection(client, name: str, vectors: str):
    """The collection, emptied first if its vectors were made another way (model or method)."""
    metadata = {"embedding_model": vectors}
    options = {"embedding_function": None, "configuration": {"hnsw": {"space": "cosine"}}, "metadata": metadata}
    store = client.get_or_create_collection(name, **options)
    if (store.metadata or {}).get("embedding_model") != vectors:
        # Vectors from another model are not comparable: start the collection afresh.
        client.delete_collection(name)
        store = client.create_collection(name, **options)
    return store
