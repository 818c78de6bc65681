"""The instance admin area: settings, accounts, servers and the instance audit log."""
from app.admin.views import bp

__all__ = ["bp"]
