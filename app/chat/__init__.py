"""The three-column chat: servers, channels, messages."""
from app.chat import channel_settings, edit_history  # noqa: F401  (their routes join the blueprint)
from app.chat.views import bp

__all__ = ["bp"]
