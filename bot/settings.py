"""Settings, read once at the edge from environment variables prefixed BOT_."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import BotError

SHIPPED_BANK_DIR = Path(__file__).resolve().parent.parent / "question_bank"


class SettingsError(BotError):
    """A setting has a value the app cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with embedded defaults that need no key and no network."""

    data_dir: Path = Path("data")
    bank_dir: Path = SHIPPED_BANK_DIR
    chroma_host: str | None = None
    chroma_port: int = 8000
    host: str = "127.0.0.1"
    port: int = 7860

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma store."""
        return self.data_dir / "chroma"

    @property
    def uses_chroma_server(self) -> bool:
        """True when a Chroma server is configured instead of the embedded store."""
        return bool(self.chroma_host)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from an environment mapping such as os.environ."""
        defaults = cls()
        return cls(
            data_dir=Path(environ.get("BOT_DATA_DIR") or defaults.data_dir),
            bank_dir=Path(environ.get("BOT_BANK_DIR") or defaults.bank_dir),
            chroma_host=environ.get("BOT_CHROMA_HOST") or None,
            chroma_port=_port("BOT_CHROMA_PORT", environ.get("BOT_CHROMA_PORT"), defaults.chroma_port),
            host=environ.get("BOT_HOST") or defaults.host,
            port=_port("BOT_PORT", environ.get("BOT_PORT"), defaults.port),
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
