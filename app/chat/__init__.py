"""The three-column chat: servers, channels, messages."""
from app.chat import attachments, channel_settings, direct, formatting_help, reactions  # noqa: F401  (their routes join the blueprint)
from app.chat.views import bp

__all__ = ["bp"]
