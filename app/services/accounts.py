"""Accounts: registration and authentication."""
import re
from collections.abc import Callable
from datetime import date
from functools import partial

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import User
from app.services import passwords, text
from app.services.errors import ValidationFailed, collect

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{3,32}$")
NAME_MAX = 64


def _clean(value: str | None) -> str:
    return text.clean_line(value)


def check_registration(data) -> dict:
    """The clean registration form (password included), or ValidationFailed with every problem."""
    username, email = _clean(data.get("username")), _clean(data.get("email"))
    password = data.get("password") or ""
    return collect(
        username=lambda: check_username(username),
        email=lambda: check_new_email(email),
        **name_checks(data),
        birth_date=lambda: check_birth_date(data.get("birth_date"), required=True),
        password=lambda: check_new_password(password, username, email),
    )


def check_username(username: str) -> str:
    if not USERNAME_RE.match(username):
        raise ValidationFailed({"username": _("3 to 32 characters: letters, digits, dots, hyphens and underscores.")})
    if db.session.scalar(select(User.id).where(User.username_key == username.lower())):
        raise ValidationFailed({"username": _("This username is taken.")})
    return username


def check_new_email(raw: str | None, user: User | None = None) -> str:
    """A valid address (normalised, lower case) that no other account uses."""
    try:
        email = validate_email(_clean(raw), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationFailed({"email": _("Enter a valid email address.")}) from None
    if (user is None or email != user.email) and db.session.scalar(select(User.id).where(User.email == email)):
        raise ValidationFailed({"email": _("An account with this email already exists.")})
    return email


def name_checks(data) -> dict[str, Callable[[], str]]:
    """The checks of the display, first and last names of a form, for `collect`."""
    return {field: partial(check_name, data.get(field), field, label) for field, label in
            (("display_name", _("Display name")), ("first_name", _("First name")), ("last_name", _("Last name")))}


def check_name(raw: str | None, field: str, label: str) -> str:
    """A display, first or last name: one line, required, at most NAME_MAX characters."""
    name = _clean(raw)
    if not name:
        raise ValidationFailed({field: _("%(field)s is required.", field=label)})
    if len(name) > NAME_MAX:
        raise ValidationFailed({field: _("%(field)s must be at most %(n)d characters.", field=label, n=NAME_MAX)})
    return name


def check_birth_date(raw: str | None, required: bool) -> date | None:
    raw = _clean(raw)
    if not raw and not required:
        return None
    try:
        birth = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed({"birth_date": _("Enter your birth date.")}) from None
    today = date.today()
    if birth > today or birth.year < today.year - 130:
        raise ValidationFailed({"birth_date": _("Enter a real birth date.")})
    return birth


def check_new_password(password: str, username: str, email: str, field: str = "password") -> str:
    """The new password, unless it is too short, too long or too easy to guess."""
    if len(password) < passwords.MIN_LENGTH:
        raise ValidationFailed({field: _("Use at least %(n)d characters.", n=passwords.MIN_LENGTH)})
    if len(password) > passwords.MAX_LENGTH:
        raise ValidationFailed({field: _("Use at most %(n)d characters.", n=passwords.MAX_LENGTH)})
    if passwords.is_common(password) or password.lower() in {username.lower(), email.lower()}:
        raise ValidationFailed({field: _("This password is too easy to guess. Choose another.")})
    return password


def register_user(data) -> User:
    """Create an account from the registration form, or raise ValidationFailed."""
    values = check_registration(data)
    user = User(
        username=values["username"],
        username_key=values["username"].lower(),
        email=values["email"],
        display_name=values["display_name"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        birth_date=values["birth_date"],
        password_hash=passwords.hash_password(values["password"]),
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # Two registrations raced for the same username or email.
        db.session.rollback()
        raise ValidationFailed({"username": _("This username or email is already in use.")}) from None
    return user


def authenticate(login: str, password: str) -> User | None:
    """The user whose username or email and password match, else None.

    Takes the same time whether or not the account exists.
    """
    login = _clean(login).lower()
    user = None
    if login and len(login) <= 254:
        user = db.session.scalar(
            select(User).where(or_(User.username_key == login, User.email == login)))
    if passwords.verify(user.password_hash if user else None, password or ""):
        return user
    return None


def login_account_key(login: str | None) -> str:
    """Who a login form tries, for counting failures: `user:<id>` when the username or email is an
    account's (both give the same key), else the folded text typed."""
    login = _clean(login)[:254]
    user_id = db.session.scalar(select(User.id).where(or_(User.username_key == login.lower(),
                                                          User.email == login.lower()))) if login else None
    return f"user:{user_id}" if user_id else "name:" + login.casefold()

