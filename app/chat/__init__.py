"""The three-column chat: servers, channels, messages."""
from app.chat import channel_settings  # noqa: F401  (its routes join the blueprint)
from app.chat.views import bp

__all__ = ["bp"]
