"""The vector index of bank questions in Chroma (the only module that imports chromadb)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.bank import LEVELS, Question
from bot.embeddings import Embedder
from bot.errors import BotError
from bot.settings import Settings

COLLECTION = "questions"
UPSERT_CHUNK = 512  # questions embedded and written per step; bounds memory on huge banks
PAGE = 5000  # rows read per step when listing what the index holds


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

    def where(self) -> dict | None:
        """The Chroma metadata filter for these restrictions."""
        clauses: list[dict] = []
        if self.topic:
            clauses.append({"topic": self.topic})
        if self.level:
            clauses.append({f"level_{self.level}": True})
        if self.type:
            clauses.append({"type": self.type})
        if self.difficulty:
            clauses.append({"difficulty": int(self.difficulty)})
        if self.exclude:
            clauses.append({"qid": {"$nin": list(self.exclude)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass(frozen=True)
class SearchHit:
    """A question found by a search, with its cosine similarity to the query."""

    id: str
    topic: str
    type: str
    difficulty: int
    levels: tuple[str, ...]
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


def index_text(question: Question) -> str:
    """The text embedded for a question: the question, its subtopic and its tags."""
    return f"{question.question}\n{question.subtopic}; {', '.join(question.tags)}"


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


class QuestionIndex:
    """Questions embedded in one Chroma collection, kept in step with the bank by content hash."""

    def __init__(self, collection, embedder: Embedder):
        self._collection = collection
        self._embedder = embedder

    def count(self) -> int:
        """How many questions the index holds."""
        return self._collection.count()

    def stored_hashes(self) -> dict[str, str]:
        """Question id -> content hash, for everything in the index."""
        hashes: dict[str, str] = {}
        offset = 0
        while True:
            page = self._collection.get(include=["metadatas"], limit=PAGE, offset=offset)
            for question_id, metadata in zip(page["ids"], page["metadatas"]):
                hashes[question_id] = (metadata or {}).get("content_hash", "")
            if len(page["ids"]) < PAGE:
                return hashes
            offset += PAGE

    def sync(self, questions: Iterable[Question], progress: bool = False) -> SyncResult:
        """Embed added and changed questions, delete removed ones, and leave the rest alone."""
        started = time.perf_counter()
        wanted = {question.id: question for question in questions}
        stored = self.stored_hashes()
        changed = [q for qid, q in wanted.items() if stored.get(qid) != q.content_hash()]
        added = sum(1 for q in changed if q.id not in stored)
        removed = [qid for qid in stored if qid not in wanted]
        for start in range(0, len(removed), UPSERT_CHUNK):
            self._collection.delete(ids=removed[start : start + UPSERT_CHUNK])
        self._upsert(changed, progress)
        return SyncResult(
            total=len(wanted),
            added=added,
            updated=len(changed) - added,
            deleted=len(removed),
            unchanged=len(wanted) - len(changed),
            seconds=time.perf_counter() - started,
        )

    def _upsert(self, questions: Sequence[Question], progress: bool) -> None:
        if not questions:
            return
        from tqdm import tqdm

        with tqdm(total=len(questions), desc="Embedding questions", unit="q", disable=not progress) as bar:
            for start in range(0, len(questions), UPSERT_CHUNK):
                chunk = questions[start : start + UPSERT_CHUNK]
                texts = [index_text(q) for q in chunk]
                vectors = self._embedder.embed(texts)
                self._collection.upsert(
                    ids=[q.id for q in chunk],
                    embeddings=vectors,
                    documents=texts,
                    metadatas=[_metadata(q) for q in chunk],
                )
                bar.update(len(chunk))

    def search(self, text: str, k: int = 5, filters: SearchFilters = SearchFilters()) -> list[SearchHit]:
        """The k questions nearest in meaning to the text that pass the filters, best first."""
        return self.search_vector(self._embedder.embed_one(text), k, filters)

    def search_vector(self, vector, k: int = 5, filters: SearchFilters = SearchFilters()) -> list[SearchHit]:
        """The k questions nearest to a query vector that pass the filters, best first."""
        size = self.count()
        if size == 0 or k < 1:
            return []
        result = self._collection.query(
            query_embeddings=[vector],
            n_results=min(k, size),
            where=filters.where(),
            include=["metadatas", "distances"],
        )
        return [
            SearchHit(
                id=question_id,
                topic=metadata["topic"],
                type=metadata["type"],
                difficulty=int(metadata["difficulty"]),
                levels=tuple(metadata["levels"].split(",")),
                similarity=1.0 - float(distance),
            )
            for question_id, metadata, distance in zip(
                result["ids"][0], result["metadatas"][0], result["distances"][0]
            )
        ]


def open_index(settings: Settings, embedder: Embedder, collection: str = COLLECTION) -> QuestionIndex:
    """The question index in the embedded Chroma store, or on the Chroma server when one is set."""
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

    metadata = {"embedding_model": embedder.name}
    store = client.get_or_create_collection(
        collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}, metadata=metadata
    )
    if (store.metadata or {}).get("embedding_model") != embedder.name:
        # Vectors from another model are not comparable: start the collection afresh.
        client.delete_collection(collection)
        store = client.create_collection(
            collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}, metadata=metadata
        )
    return QuestionIndex(store, embedder)
