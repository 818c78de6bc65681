"""Avatar uploads: decided by content, re-encoded, stored under random names.

An upload is opened with Pillow limited to JPEG, PNG, WebP and GIF; anything
else (SVG, HTML, scripts, polyglots that are not a clean image) is refused.
The pixel count is checked from the header before any decoding, so a
decompression bomb costs nothing. Every accepted image is decoded, cropped
to a centred square and written again as WebP at the sizes the UI uses: no
metadata (EXIF, GPS, comments) and no trailing bytes survive. Decoding and
encoding run in a worker thread (see offload), never in the request loop.
"""
import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.services import offload
from app.services.errors import ValidationFailed
from app.services.storage import write_atomically

FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
SIZES = (256, 64)
MAX_PIXELS = 40_000_000  # 6,000 x 6,000 and a bit: any real photo, no bomb
MIN_SIDE = 16


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "avatars"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_name(key: str, size: int) -> str:
    return f"{key}-{size}.webp"


class ImageRefused(Exception):
    """Raised in the worker: the upload is not an image we take (`reason` is one of REFUSALS)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


REFUSALS = {
    "pixels": lambda: _("This image has too many pixels. Use one under 6000 x 6000."),
    "unreadable": lambda: _("This file is not a JPEG, PNG, WebP or GIF image we can read."),
    "small": lambda: _("This image is too small."),
}


def check_upload(data: bytes) -> bytes:
    """The upload, if it is not empty and not over the size limit (checked before any decoding)."""
    if not data:
        raise ValidationFailed({"avatar": _("Choose an image first.")})
    if len(data) > current_app.config["AVATAR_MAX_BYTES"]:
        raise ValidationFailed({"avatar": _("Images can be up to %(n)d MB.",
                                            n=current_app.config["AVATAR_MAX_BYTES"] // (1024 * 1024))})
    return data


def store_avatar(data: bytes) -> str:
    """Check, decode and re-encode an upload in a worker; returns the random key naming the files.

    Raises ValidationFailed for what is not an image we take, offload.Busy when
    the workers stay busy.
    """
    check_upload(data)
    try:
        return offload.run(render_avatar, data, upload_folder())
    except ImageRefused as refused:
        raise ValidationFailed({"avatar": REFUSALS[refused.reason]()}) from None


def decode_image(data: bytes) -> Image.Image:
    """The decoded first frame, or ImageRefused. Runs in a worker (no app context)."""
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ImageRefused("pixels")
        image.load()
    except Image.DecompressionBombError:
        raise ImageRefused("pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageRefused("unreadable") from None
    if min(width, height) < MIN_SIDE:
        raise ImageRefused("small")
    return image


def render_avatar(data: bytes, folder: Path) -> str:
    """Decode, crop to a centred square, write WebP files at every size into `folder`; the new key.

    Runs in a worker (no app context).
    """
    image = ImageOps.exif_transpose(decode_image(data)).convert("RGBA")
    side = min(image.size)
    square = ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)
    renders = {}
    for size in SIZES:
        buffer = io.BytesIO()
        square.resize((size, size), Image.Resampling.LANCZOS).save(buffer, "WEBP", quality=85, method=4)
        renders[size] = buffer.getvalue()
    key = secrets.token_hex(16)
    for size, content in renders.items():
        write_atomically(folder / file_name(key, size), content)
    return key


def remove_avatar_files(key: str | None) -> None:
    if not key:
        return
    folder = upload_folder()
    for size in SIZES:
        (folder / file_name(key, size)).unlink(missing_ok=True)
