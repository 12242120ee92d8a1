"""The one base error of the package; every error a user can see subclasses it."""


class BotError(Exception):
    """An error with a message meant for the user: one clear sentence, no traceback."""
