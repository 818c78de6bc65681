"""Static files under content-hashed URLs, cached by browsers for a year, our own CSS and JS minified.

`url_for("static", filename=...)` adds `?v=<hash of the file>`; a request whose
`v` is the file's current hash is answered with `Cache-Control: public,
max-age=31536000, immutable`, so a warm page load asks for none of them again.
A changed file gets a new URL. Any other request for a static file (no `v`, or
an old one) keeps `no-cache`, so a stale URL never pins an old copy.

Our stylesheets and scripts are written to be read (comments, indentation);
outside debug mode they go out minified (rcssmin, rjsmin), computed once per
change of the file. Vendored files come minified already.
"""
import hashlib
import os
from pathlib import Path

import rcssmin
import rjsmin
from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

IMMUTABLE = "public, max-age=31536000, immutable"
VERSION_ARG = "v"
MINIFIERS = {".css": rcssmin.cssmin, ".js": rjsmin.jsmin}
VENDORED = "vendor/"

_hashes: dict[str, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, hash)
_minified: dict[str, tuple[int, int, bytes]] = {}  # path -> (mtime_ns, size, minified content)


def file_version(static_folder: str, filename: str) -> str | None:
    """A short hash of the file's content (None if there is no such file), computed once per change."""
    path = Path(static_folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    key = str(path)
    cached = _hashes.get(key)
    if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    _hashes[key] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def minified(static_folder: str, filename: str) -> bytes | None:
    """The file minified, if it is one of our stylesheets or scripts (None otherwise)."""
    minify = MINIFIERS.get(Path(filename).suffix)
    if minify is None or filename.startswith(VENDORED):
        return None
    path = Path(static_folder) / filename
    stat = path.stat()
    key = str(path)
    cached = _minified.get(key)
    if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    content = minify(path.read_text(encoding="utf-8")).encode()
    _minified[key] = (stat.st_mtime_ns, stat.st_size, content)
    return content


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, saved for everything but static files.

    A static file neither reads nor changes the session, but Flask-Login looks
    into it after every request, which would add `Vary: Cookie`: a browser then
    fetches every kept file again whenever the cookie changes (a flash message
    is enough).
    """

    def save_session(self, app, session, response) -> None:
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)


def register(app: Flask) -> None:
    static_folder = os.fspath(app.static_folder)
    app.session_interface = SessionInterface()

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and VERSION_ARG not in values:
            version = file_version(static_folder, values["filename"])
            if version:
                values[VERSION_ARG] = version

    @app.after_request
    def cache_versioned_static(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = request.view_args["filename"]  # a file that exists: send_from_directory checked it
        if request.args.get(VERSION_ARG) and request.args[VERSION_ARG] == file_version(static_folder, filename):
            response.headers["Cache-Control"] = IMMUTABLE
        if response.status_code == 200 and not app.debug:
            content = minified(static_folder, filename)
            if content is not None:
                original = response.response
                response.direct_passthrough = False
                response.set_data(content)
                response.headers.pop("Accept-Ranges", None)  # ranges would be of the file, not of this
                if hasattr(original, "close"):
                    original.close()
        return response
