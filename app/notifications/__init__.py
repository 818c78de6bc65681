"""The notifications bell and panel."""
from app.notifications.views import bp

__all__ = ["bp"]
