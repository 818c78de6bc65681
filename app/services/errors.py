"""Errors returned as data to the view that renders the form."""


class ValidationFailed(Exception):
    """Raised by a service when input is invalid; `errors` maps field -> message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors
