"""A server's member list, and removing members (owners and admins)."""
from app.members.views import bp

__all__ = ["bp"]
