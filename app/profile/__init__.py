"""Profiles: the profile page, avatars, profile cards."""
from app.profile.views import bp

__all__ = ["bp"]
