"""Errors returned as data to the view that renders the form."""
from collections.abc import Callable
from typing import Any


class ValidationFailed(Exception):
    """Raised by a service when input is invalid; `errors` maps field -> message.

    `status` is the HTTP status the view answers with (422 unless the input
    is refused for its size, 413, or there is no room to store it, 507).
    """

    def __init__(self, errors: dict[str, str], status: int = 422):
        super().__init__(errors)
        self.errors = errors
        self.status = status


def collect(**checks: Callable[[], Any]) -> dict[str, Any]:
    """Run each field's `check_*`; the clean values by field, or one ValidationFailed with every error.

    Every `check_*` returns the clean value or raises ValidationFailed; a form
    of several fields runs them all through here so the user sees all the
    problems at once.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, check in checks.items():
        try:
            values[field] = check()
        except ValidationFailed as failed:
            errors.update(failed.errors)
    if errors:
        raise ValidationFailed(errors)
    return values
