"""The quick switcher (Ctrl+K) and the keyboard shortcuts help (Ctrl+/)."""
from app.switcher.views import bp

__all__ = ["bp"]
