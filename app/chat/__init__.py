"""The three-column chat: servers, channels, messages."""
from app.chat.views import bp

__all__ = ["bp"]
