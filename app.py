"""Start the interview coach on 127.0.0.1:7860 with its embedded defaults: no key, no network."""

import gc
import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def main() -> int:
    from bot.bank import load_bank
    from bot.embeddings import load_embedder
    from bot.errors import BotError
    from bot.index import open_index
    from bot.settings import Settings
    from bot.ui import CSS, AppContext, build_app, theme

    try:
        settings = Settings.from_env(os.environ)
        bank = load_bank(settings.bank_dir)
        index = open_index(settings, load_embedder())
        result = index.sync(bank, progress=True)
    except BotError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"Question bank {bank.version}: {result.total} questions indexed; embedded "
        f"{result.added + result.updated} questions and {result.references_embedded} reference answers."
    )
    # The bank and index live as long as the app: keep them out of the garbage collector's scans.
    gc.freeze()
    app = build_app(AppContext(bank=bank, index=index))
    app.launch(server_name=settings.host, server_port=settings.port, theme=theme(), css=CSS, show_error=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
