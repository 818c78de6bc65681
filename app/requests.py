"""The request class: body size limits per endpoint, checked before any parsing;
a query string that is always ASCII."""
from urllib.parse import quote_from_bytes

from flask import Request, current_app

# Bodies are refused from their Content-Length before anything reads them
# (CSRF checking reads the form first, so a view could not raise it later).
LARGER_BODIES = {"profile.avatar": "AVATAR_MAX_BYTES",
                 "chat.post_message": "MESSAGE_ATTACHMENTS_MAX_BYTES"}
# The text fields and multipart framing around the files (10 parts' headers, a 4,000-character message).
FORM_OVERHEAD = 64 * 1024
# Characters a query string keeps as they are: the ASCII a URL may carry.
QUERY_SAFE = "".join(chr(code) for code in range(0x21, 0x7f))


class CharlaRequest(Request):
    def __init__(self, environ, *args, **kwargs):
        super().__init__(environ, *args, **kwargs)
        # Raw bytes that are not ASCII (a browser percent-encodes them) would
        # make werkzeug's parsing of `args` and `full_path` raise: percent-encode them.
        if not self.query_string.isascii():
            self.query_string = quote_from_bytes(self.query_string, safe=QUERY_SAFE).encode("ascii")

    @property
    def max_content_length(self) -> int | None:
        setting = LARGER_BODIES.get(self.endpoint) if self.method == "POST" else None
        if setting:
            return current_app.config[setting] + FORM_OVERHEAD
        return current_app.config["MAX_CONTENT_LENGTH"]
