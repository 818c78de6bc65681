"""Finding servers: search by name, join public ones."""
from app.explore.views import bp

__all__ = ["bp"]
