"""Start the interview coach on 127.0.0.1:7860 with its embedded defaults: no key, no network."""

import gc
import os
import sys
from dataclasses import replace

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
SESSIONS_IN_MEMORY = 1000


def main() -> int:
    from bot.bank import load_bank
    from bot.embeddings import load_embedder
    from bot.errors import BotError
    from bot.index import open_index
    from bot.settings import Settings
    from bot.coach import open_coach
    from bot.offline_grader import OfflineGrader
    from bot.storage import open_store
    from bot.ui import CLOCK_SCRIPT, CSS, AppContext, build_app, theme

    try:
        settings = Settings.from_env(os.environ)
        bank = load_bank(*settings.bank_dirs)
        embedder = load_embedder()
        index = open_index(settings, embedder)
        result = index.sync(bank, progress=True)
        store = open_store(settings)
        offline = OfflineGrader(embedder, index.reference_vectors())
        coaches = {"offline": open_coach(replace(settings, engine="offline"), bank, index, offline, store)}
        if settings.engine == "llm":
            coaches["llm"] = open_coach(settings, bank, index, offline, store)
    except BotError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"Question bank {bank.version}: {result.total} questions indexed; embedded "
        f"{result.added + result.updated} questions and {result.references_embedded} reference answers."
    )
    # The bank and index live as long as the app: keep them out of the garbage collector's scans.
    gc.freeze()
    label = f"LLM {settings.model} with offline fallback" if settings.engine == "llm" else "offline (no key needed)"
    # With an LLM configured it is the default choice; offline stays one click away.
    ordered = dict(sorted(coaches.items(), key=lambda item: item[0] != settings.engine))
    app = build_app(AppContext(bank=bank, index=index, engine_label=label, coaches=ordered, embedder=embedder))
    app.queue(default_concurrency_limit=settings.concurrency)
    # Gradio keeps a copy of the page's settings per browser session (about 1 MiB here), 10,000 by default.
    # Sessions live in the database, so the least recently active beyond this many can be dropped.
    app.launch(server_name=settings.host, server_port=settings.port, theme=theme(), css=CSS, head=CLOCK_SCRIPT, show_error=False,
               state_session_capacity=SESSIONS_IN_MEMORY)
    return 0


if __name__ == "__main__":
    sys.exit(main())
