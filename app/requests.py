"""The request class: body size limits per endpoint, checked before any parsing."""
from flask import Request, current_app

# Bodies are refused from their Content-Length before anything reads them
# (CSRF checking reads the form first, so a view could not raise it later).
LARGER_BODIES = {"/profile/avatar": "AVATAR_MAX_BYTES"}
FORM_OVERHEAD = 64 * 1024


class CharlaRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        setting = LARGER_BODIES.get(self.path)
        if setting:
            return current_app.config[setting] + FORM_OVERHEAD
        return current_app.config["MAX_CONTENT_LENGTH"]
