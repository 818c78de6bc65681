"""Abuse limits: who is counted (the keys) and how much each action allows.

Counters live in the limiter's storage (Redis when REDIS_URL is set), so
every process and host shares them. A refused request gets the 429 page.
"""
from collections.abc import Callable

from flask import g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.services import accounts

# Wrong passwords: per address, per account from one address, and a gentler
# cap per account from everywhere (so guessing from many addresses stays slow
# without locking the owner out from their own).
LOGIN_PER_ADDRESS = "20/minute;100/hour"
LOGIN_PER_ACCOUNT_AND_ADDRESS = "10/minute;50/hour"
LOGIN_PER_ACCOUNT = "100/hour"
SERVER_CREATION = "5/minute;20/day"
CONVERSATION_CREATION = "20/minute;200/day"  # opening an existing conversation counts too
REACTIONS = "30/minute;600/hour"
INVITATIONS = "10/minute;100/day"  # links and invitations by username together


def reactions_refused() -> str:
    """What a refused reaction says (called when refused, in the reader's language)."""
    return _("You are reacting too fast. Wait a minute and try again.")


def uploads_refused() -> str:
    return _("You are sending files too fast. Wait a few minutes and try again.")


def per_user(scope: str) -> Callable[[], str]:
    """A key function counting the signed-in user (anonymous requests by address; they are sent to log in)."""
    def key() -> str:
        user_id = getattr(current_user, "id", None)
        return f"{scope}:user:{user_id}" if user_id else f"{scope}:address:{get_remote_address()}"
    return key


def login_account() -> str:
    """The account a login form names, the same for a user's username and email (once per request)."""
    if "login_account" not in g:
        g.login_account = "login:" + accounts.login_account_key(request.form.get("login"))
    return g.login_account


def login_account_and_address() -> str:
    return f"{login_account()}:{get_remote_address()}"


def failed_login(response) -> bool:
    """Only wrong passwords count against an account: its owner logging in costs nothing."""
    return response.status_code == 401
