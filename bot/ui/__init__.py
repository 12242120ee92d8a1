"""The Gradio page, in one module per tab."""

from bot.ui.page import CSS, AppContext, build_app, theme

__all__ = ["CSS", "AppContext", "build_app", "theme"]
