"""Settings, read once at the edge from environment variables prefixed BOT_."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import BotError

ENGINES = ("offline", "llm")
SHIPPED_BANK_DIR = Path(__file__).resolve().parent.parent / "question_bank"


class SettingsError(BotError):
    """A setting has a value the app cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with embedded defaults that need no key and no network."""

    data_dir: Path = Path("data")
    bank_dir: Path = SHIPPED_BANK_DIR
    user_bank_dir: Path | None = None  # users' imported questions; default: the data folder's user_bank
    chroma_host: str | None = None
    chroma_port: int = 8000
    host: str = "127.0.0.1"
    port: int = 7860
    database_url: str | None = None
    engine: str = "offline"
    model: str = "gpt-4o-mini"
    openai_api_key: str | None = field(default=None, repr=False)  # never printed in logs or errors
    openai_base_url: str | None = None
    llm_timeout: float = 30.0
    llm_retries: int = 2
    token_budget: int = 6000
    # Requests the page serves at once per action (Gradio's default is one, which makes every
    # candidate wait for every other; an LLM turn spends most of its time waiting on the model).
    concurrency: int = 8

    @property
    def user_bank(self) -> Path:
        """Folder of the questions users imported, loaded beside the shipped bank."""
        return self.user_bank_dir or self.data_dir / "user_bank"

    @property
    def bank_dirs(self) -> tuple[Path, ...]:
        """The bank folders to load: the shipped bank, and the user bank once it holds a file."""
        user = self.user_bank
        has_files = user.is_dir() and any(p.suffix in (".yaml", ".yml") for p in user.iterdir())
        return (self.bank_dir, user) if has_files else (self.bank_dir,)

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma store."""
        return self.data_dir / "chroma"

    @property
    def database(self) -> str:
        """SQLAlchemy URL of the sessions database: BOT_DATABASE_URL, else SQLite in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'sessions.sqlite3'}"

    @property
    def uses_chroma_server(self) -> bool:
        """True when a Chroma server is configured instead of the embedded store."""
        return bool(self.chroma_host)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from an environment mapping such as os.environ."""
        defaults = cls()
        api_key = environ.get("OPENAI_API_KEY") or None
        base_url = environ.get("OPENAI_BASE_URL") or None
        engine = (environ.get("BOT_ENGINE") or ("llm" if api_key or base_url else "offline")).lower()
        if engine not in ENGINES:
            raise SettingsError(f"BOT_ENGINE must be one of {', '.join(ENGINES)}, got {engine!r}.")
        return cls(
            data_dir=Path(environ.get("BOT_DATA_DIR") or defaults.data_dir),
            bank_dir=Path(environ.get("BOT_BANK_DIR") or defaults.bank_dir),
            user_bank_dir=Path(environ["BOT_USER_BANK_DIR"]) if environ.get("BOT_USER_BANK_DIR") else None,
            chroma_host=environ.get("BOT_CHROMA_HOST") or None,
            chroma_port=_port("BOT_CHROMA_PORT", environ.get("BOT_CHROMA_PORT"), defaults.chroma_port),
            host=environ.get("BOT_HOST") or defaults.host,
            port=_port("BOT_PORT", environ.get("BOT_PORT"), defaults.port),
            database_url=environ.get("BOT_DATABASE_URL") or None,
            engine=engine,
            model=environ.get("BOT_MODEL") or defaults.model,
            openai_api_key=api_key,
            openai_base_url=base_url,
            llm_timeout=_number("BOT_LLM_TIMEOUT", environ.get("BOT_LLM_TIMEOUT"), defaults.llm_timeout, float, 0.1),
            llm_retries=_number("BOT_LLM_RETRIES", environ.get("BOT_LLM_RETRIES"), defaults.llm_retries, int, 0),
            token_budget=_number("BOT_TOKEN_BUDGET", environ.get("BOT_TOKEN_BUDGET"), defaults.token_budget, int, 1000),
            concurrency=_number("BOT_CONCURRENCY", environ.get("BOT_CONCURRENCY"), defaults.concurrency, int, 1),
        )


def _port(name: str, raw: str | None, default: int) -> int:
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a port number, got {raw!r}.") from None
    if not 0 < port < 65536:
        raise SettingsError(f"{name} must be between 1 and 65535, got {port}.")
    return port


def _number(name: str, raw: str | None, default, kind: type, minimum):
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a{'n integer' if kind is int else ' number'}, got {raw!r}.") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}.")
    return value
