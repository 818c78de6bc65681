"""Accounts: register, log in, log out, the avatar step."""
from app.auth.views import bp, init_login

__all__ = ["bp", "init_login"]
