"""Numbers from requests: ids in URLs and integer query parameters.

Only ASCII digits count ("²" is a digit to `str.isdigit()`, not to `int()`),
and no number is larger than the database's ids (a signed 64-bit integer).
"""
from flask import request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map, ValidationError

MAX_ID = 2**63 - 1
MAX_ID_DIGITS = len(str(MAX_ID))


class IdConverter(IntegerConverter):
    """`<int:...>` in routes: ASCII digits up to MAX_ID; anything else matches no route (404)."""

    regex = r"[0-9]+"

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value.lstrip("-0")) > MAX_ID_DIGITS:
            raise ValidationError()  # more digits than any id: not worth converting
        return super().to_python(value)


def parse_int(value: str | None, name: str, maximum: int = MAX_ID) -> int | None:
    """`value` as a number from 0 to `maximum`; None when empty; a 400 for anything else."""
    if not value:
        return None
    digits = value.lstrip("0") or "0"
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(maximum)) or int(digits) > maximum:
        raise BadRequest(f"{name} must be a whole number from 0 to {maximum}")
    return int(digits)


def int_arg(name: str, maximum: int = MAX_ID) -> int | None:
    """The query (or form) parameter `name` as a number; None when absent or empty; a 400 when malformed."""
    return parse_int(request.values.get(name), name, maximum)
