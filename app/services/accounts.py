"""Accounts: registration, authentication, session tokens."""
import hmac
import re
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import User, new_token
from app.services import passwords, text
from app.services.errors import ValidationFailed

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{3,32}$")
NAME_MAX = 64


def _clean(value: str | None) -> str:
    return text.clean_line(value)


def check_registration(data) -> tuple[dict, dict[str, str]]:
    """Validate the registration form; return (clean values, errors by field)."""
    errors: dict[str, str] = {}
    values = {key: _clean(data.get(key)) for key in
              ("username", "email", "display_name", "first_name", "last_name", "birth_date")}
    password = data.get("password") or ""

    if not USERNAME_RE.match(values["username"]):
        errors["username"] = _("3 to 32 characters: letters, digits, dots, hyphens and underscores.")

    try:
        values["email"] = validate_email(values["email"], check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors["email"] = _("Enter a valid email address.")

    check_names(values, errors)
    values["birth_date"] = check_birth_date(values["birth_date"], errors, required=True)
    problem = check_new_password(password, values["username"], values["email"])
    if problem:
        errors["password"] = problem
    values["password"] = password

    if "username" not in errors and db.session.scalar(
            select(User.id).where(User.username_key == values["username"].lower())):
        errors["username"] = _("This username is taken.")
    if "email" not in errors and db.session.scalar(select(User.id).where(User.email == values["email"])):
        errors["email"] = _("An account with this email already exists.")
    return values, errors


def check_names(values: dict, errors: dict[str, str]) -> None:
    """Display, first and last name: required, at most NAME_MAX characters."""
    for field, label in (("display_name", _("Display name")), ("first_name", _("First name")),
                         ("last_name", _("Last name"))):
        if not values[field]:
            errors[field] = _("%(field)s is required.", field=label)
        elif len(values[field]) > NAME_MAX:
            errors[field] = _("%(field)s must be at most %(n)d characters.", field=label, n=NAME_MAX)


def check_birth_date(raw: str, errors: dict[str, str], required: bool) -> date | None:
    if not raw and not required:
        return None
    try:
        birth = date.fromisoformat(raw)
    except ValueError:
        errors["birth_date"] = _("Enter your birth date.")
        return None
    today = date.today()
    if birth > today or birth.year < today.year - 130:
        errors["birth_date"] = _("Enter a real birth date.")
    return birth


def check_new_password(password: str, username: str, email: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < passwords.MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=passwords.MIN_LENGTH)
    if len(password) > passwords.MAX_LENGTH:
        return _("Use at most %(n)d characters.", n=passwords.MAX_LENGTH)
    if passwords.is_common(password) or password.lower() in {username.lower(), email.lower()}:
        return _("This password is too easy to guess. Choose another.")
    return None


def register_user(data) -> User:
    """Create an account from the registration form, or raise ValidationFailed."""
    values, errors = check_registration(data)
    if errors:
        raise ValidationFailed(errors)
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


def load_user_by_session_id(session_id: str) -> User | None:
    """Flask-Login loader: `<id>:<session token>`; a rotated token loads nobody."""
    user_id, _sep, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not _tokens_equal(user.session_token, token):
        return None
    return user


def _tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def rotate_session_token(user: User) -> None:
    """Sign out every session of `user` (copied cookies included)."""
    user.session_token = new_token()
    db.session.commit()
