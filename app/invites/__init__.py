"""Invite links."""
from app.invites.views import bp

__all__ = ["bp"]
