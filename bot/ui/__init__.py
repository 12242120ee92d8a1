"""The Gradio page, in one module per tab."""

from bot.ui.page import CLOCK_SCRIPT, CSS, AppContext, build_app, theme

__all__ = ["CLOCK_SCRIPT", "CSS", "AppContext", "build_app", "theme"]
