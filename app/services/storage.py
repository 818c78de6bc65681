"""Where attachment files live: a small interface and the local-directory backend.

Keys are opaque paths made by the app (`a/<random>/<name>`), never from user
input. Files are written whole or not at all. STORAGE_BACKEND picks the
backend: "local" (a folder, nothing to install) or "s3" (storage_s3, for
several hosts sharing one bucket).
"""
import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Response, current_app, send_file


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename: never half a file."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class StorageFull(Exception):
    """The backend has no room left (the disk is full, the bucket refuses)."""


@dataclass
class StoredFile:
    key: str
    modified_at: datetime


class Storage:
    """What a backend does; `serve` answers a fetch the app has already authorised."""

    # Whether `put` blocks the calling thread (a disk write and fsync): under gevent it then runs in a worker.
    blocks = False

    def put(self, key: str, data: bytes, content_type: str) -> None:
        raise NotImplementedError

    def read(self, key: str) -> bytes:
        raise NotImplementedError

    def delete(self, keys: list[str]) -> None:
        raise NotImplementedError

    def list(self) -> Iterator[StoredFile]:
        raise NotImplementedError

    def serve(self, key: str, content_type: str, disposition: str, cache_seconds: int):
        raise NotImplementedError


class LocalStorage(Storage):
    """Files under a folder; served by the app, or by the reverse proxy through X-Accel-Redirect."""

    blocks = True

    def __init__(self, root: Path, accel_prefix: str = ""):
        self.root = Path(root)
        self.accel_prefix = accel_prefix.rstrip("/")

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"storage key outside the root: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, data)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull() from error
            raise

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            path = self.path(key)
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # each upload has a folder of its own; gone when empty
                path.parent.rmdir()

    def list(self) -> Iterator[StoredFile]:
        if not self.root.exists():
            return
        for path in self.root.rglob("*"):
            if path.is_file():
                stat = path.stat()
                yield StoredFile(path.relative_to(self.root).as_posix(),
                                 datetime.fromtimestamp(stat.st_mtime, UTC))

    def serve(self, key: str, content_type: str, disposition: str, cache_seconds: int):
        headers = {"Content-Disposition": disposition,
                   "Cache-Control": f"private, max-age={cache_seconds}"}
        if self.accel_prefix:
            response = Response(b"", content_type=content_type, headers=headers)
            response.headers["X-Accel-Redirect"] = f"{self.accel_prefix}/{key}"
            return response
        response = send_file(self.path(key), mimetype=content_type, conditional=True, etag=True, max_age=None)
        response.headers.update(headers)
        return response


def get_storage() -> Storage:
    """The configured backend (one per app)."""
    storage = current_app.extensions.get("charla_storage")
    if storage is None:
        config = current_app.config
        if config["STORAGE_BACKEND"] == "s3":
            from app.services.storage_s3 import S3Storage
            storage = S3Storage.from_config(config)
        elif config["STORAGE_BACKEND"] == "local":
            storage = LocalStorage(Path(config["UPLOAD_FOLDER"]) / "attachments", config["STORAGE_X_ACCEL_PREFIX"])
        else:
            raise RuntimeError(f"STORAGE_BACKEND must be local or s3, not {config['STORAGE_BACKEND']!r}")
        current_app.extensions["charla_storage"] = storage
    return storage
