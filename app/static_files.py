"""Static files under content-hashed URLs, cached by browsers for a year.

`url_for("static", filename=...)` adds `?v=<hash of the file>`; a request whose
`v` is the file's current hash is answered with `Cache-Control: public,
max-age=31536000, immutable`, so a warm page load asks for none of them again.
A changed file gets a new URL. Any other request for a static file (no `v`, or
an old one) keeps `no-cache`, so a stale URL never pins an old copy.
"""
import hashlib
import os
from pathlib import Path

from flask import Flask, request

IMMUTABLE = "public, max-age=31536000, immutable"
VERSION_ARG = "v"

_hashes: dict[str, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, hash)


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


def register(app: Flask) -> None:
    static_folder = os.fspath(app.static_folder)

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and VERSION_ARG not in values:
            version = file_version(static_folder, values["filename"])
            if version:
                values[VERSION_ARG] = version

    @app.after_request
    def cache_versioned_static(response):
        if (request.endpoint == "static" and response.status_code in (200, 304)
                and request.args.get(VERSION_ARG)
                and request.args[VERSION_ARG] == file_version(static_folder, request.view_args["filename"])):
            response.headers["Cache-Control"] = IMMUTABLE
        return response
