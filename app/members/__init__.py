"""A server's member list, removing members, moderation (bans, timeouts) and the audit log."""
from app.members import audit, moderation  # noqa: F401  (their routes join the blueprint)
from app.members.views import bp

__all__ = ["bp"]
