"""Attachments: files and images sent with a message, checked, made safe and stored.

What a file is comes from its bytes, never its name or declared type. A file
that starts like a JPEG, PNG, WebP or GIF must decode as one: it is decoded
(pixel count checked from the header first), turned upright, stripped of
metadata and encoded again, so no original image is ever served as uploaded;
a small WebP preview and a placeholder colour are made beside it. Every
other file is stored as it came and only ever served as a download. Image
work runs in a worker thread (services.offload), never in the request loop.

Files are written to the storage backend before the message's transaction
and referenced by rows written in it: a failure in between leaves files no
row names, which `sweep` removes (`flask --app run attachments sweep`).
"""
import io
import logging
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote

from flask import abort, current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Attachment, Channel, Membership, Message, User, utcnow
from app.services import offload, text
from app.services.errors import ValidationFailed
from app.services.storage import StorageFull, get_storage

log = logging.getLogger(__name__)

# Pillow format -> (type served, extension of the stored file).
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
                 "WEBP": ("image/webp", "webp"), "GIF": ("image/gif", "gif")}
MAX_PIXELS = 40_000_000  # per frame: 6,000 x 6,000 and a bit
MAX_ANIMATION_PIXELS = 50_000_000  # all frames together (each decoded to RGBA): 500 x 400 x 250 frames
THUMB_BOX = (480, 360)
FILENAME_MAX = 200
ALT_MAX = 500
# Anything else is served as application/octet-stream: a browser could run
# HTML, SVG, XML or a PDF's scripts, and plain text could be sniffed.
DOWNLOAD_TYPE = "application/octet-stream"
# Control, format and direction-override characters: none belongs in a file name.
UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class FileRefused(Exception):
    """Raised in the worker: an upload we do not take (`reason` keys REFUSALS)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


REFUSALS = {
    "empty": lambda name: _("%(name)s is empty.", name=name),
    "pixels": lambda name: _("%(name)s has too many pixels (at most 6000 x 6000, fewer for animations).",
                             name=name),
    "damaged": lambda name: _("%(name)s looks like an image but cannot be read: it may be damaged.", name=name),
}


@dataclass
class Prepared:
    """An upload made safe (in the worker) and then stored: everything its row needs."""

    filename: str
    kind: str
    content_type: str
    data: bytes
    alt: str = ""
    width: int | None = None
    height: int | None = None
    animated: bool = False
    thumb: bytes | None = None
    thumb_size: tuple[int, int] | None = None
    colour: str | None = None
    storage_key: str = ""
    thumb_key: str | None = None
    keys: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.data)


def safe_filename(raw: str | None) -> str:
    """The name without folders, controls, invisible or direction-override characters, within FILENAME_MAX."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch) not in UNSAFE_CATEGORIES)
    name = " ".join(name.split()).strip(". ")
    if len(name) > FILENAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[:FILENAME_MAX - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:FILENAME_MAX]
    return name or "file"


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name; images inline, everything else a download."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%;' else "_" for ch in filename)
    disposition = "inline" if kind == "image" else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def sniff_kind(data: bytes) -> str:
    """What a download looks like, from its first bytes (for its icon; it is served as a download anyway)."""
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06") or head[:2] == b"\x1f\x8b" or head.startswith(
            (b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"BZh", b"\xfd7zXZ\x00")):
        return "archive"
    if head.startswith((b"ID3", b"fLaC", b"OggS")) or (head[:4] == b"RIFF" and head[8:12] == b"WAVE"):
        return "audio"
    if head[4:8] == b"ftyp" or head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video"
    sample = data[:4096]
    if b"\x00" not in sample:
        try:
            sample.decode("utf-8")
            return "text"
        except UnicodeDecodeError as error:
            if error.start >= len(sample) - 3:  # a character cut by the sample's end
                return "text"
    return "file"


def looks_like_image(data: bytes) -> bool:
    return (data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a"))
            or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"))


def prepare(data: bytes, filename: str, alt: str) -> Prepared:
    """Judge an upload by its bytes and make it safe to serve. Runs in a worker (no app context)."""
    if not data:
        raise FileRefused("empty")
    if not looks_like_image(data):
        return Prepared(filename=filename, kind=sniff_kind(data), content_type=DOWNLOAD_TYPE, data=data)
    image = open_image(data)
    content_type, extension = IMAGE_FORMATS[image.format]
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    prepared = Prepared(filename=f"{stem}.{extension}", kind="image", content_type=content_type,
                        data=b"", alt=alt)
    frames = getattr(image, "n_frames", 1)
    try:
        if frames > 1:
            prepared.data = reencode_animation(image)
            prepared.animated = True
            first = image.copy()
        else:
            image.load()
            first = ImageOps.exif_transpose(image)
            prepared.data = reencode_still(first, image.format)
    except (OSError, ValueError, SyntaxError, EOFError):
        raise FileRefused("damaged") from None
    prepared.width, prepared.height = first.size
    preview = first.convert("RGBA")
    preview.thumbnail(THUMB_BOX, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    preview.save(buffer, "WEBP", quality=80, method=4)
    prepared.thumb, prepared.thumb_size = buffer.getvalue(), preview.size
    red, green, blue, _alpha = preview.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    prepared.colour = f"#{red:02x}{green:02x}{blue:02x}"
    return prepared


def open_image(data: bytes) -> Image.Image:
    """The image, its size checked from the header (before any pixel is decoded)."""
    try:
        image = Image.open(io.BytesIO(data), formats=tuple(IMAGE_FORMATS))
        width, height = image.size
        frames = getattr(image, "n_frames", 1)
    except Image.DecompressionBombError:
        raise FileRefused("pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise FileRefused("damaged") from None
    if width * height > MAX_PIXELS or width * height * frames > MAX_ANIMATION_PIXELS:
        raise FileRefused("pixels")
    if image.format not in IMAGE_FORMATS:
        raise FileRefused("damaged")
    return image


def without_metadata(image: Image.Image) -> Image.Image:
    """Pillow writes some of what it read (comments, EXIF, XMP) back out: keep only transparency."""
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    return image


def reencode_still(image: Image.Image, format_name: str) -> bytes:
    """The pixels alone in the same format: no EXIF, XMP, comments or bytes after the image."""
    image = without_metadata(image)
    buffer = io.BytesIO()
    if format_name == "JPEG":
        image.convert("RGB" if image.mode not in ("L", "RGB", "CMYK") else image.mode).save(
            buffer, "JPEG", quality=90, optimize=True)
    elif format_name == "WEBP":
        image.save(buffer, "WEBP", quality=90, method=4)
    elif format_name == "GIF":
        image.save(buffer, "GIF")
    else:
        image.save(buffer, "PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def reencode_animation(image: Image.Image) -> bytes:
    """Every frame again, with its timing and looping, in the same format (GIF, WebP or APNG)."""
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        frames.append(without_metadata(frame.convert("RGBA")))
        durations.append(frame.info.get("duration", image.info.get("duration", 100)) or 100)
    buffer = io.BytesIO()
    options = {"save_all": True, "append_images": frames[1:], "duration": durations,
               "loop": image.info.get("loop", 0)}
    if image.format == "GIF":
        frames[0].save(buffer, "GIF", disposal=2, **options)
    elif image.format == "WEBP":
        frames[0].save(buffer, "WEBP", quality=85, **options)
    else:
        frames[0].save(buffer, "PNG", **options)
    return buffer.getvalue()


def limits() -> dict:
    config = current_app.config
    return {"per_file": config["ATTACHMENT_MAX_BYTES"], "per_message": config["MESSAGE_ATTACHMENTS_MAX_BYTES"],
            "count": config["ATTACHMENTS_PER_MESSAGE"], "quota": config["USER_STORAGE_QUOTA_BYTES"]}


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}" if size >= 1024 * 1024 else f"{size / (1024 * 1024):.2f}"


def used_storage(user_id: int) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(Attachment.size), 0))
                                 .where(Attachment.uploader_id == user_id)) or 0)


def chosen_files(files: list[FileStorage]) -> list[FileStorage]:
    """The parts that carry a file (an empty file input still sends a nameless, empty part)."""
    return [item for item in files if item is not None and (item.filename or item.content_length)]


def read_upload(item: FileStorage, per_file: int) -> bytes:
    """The part's bytes, refusing it as soon as it passes the per-file cap."""
    data = item.stream.read(per_file + 1)
    if len(data) > per_file:
        raise ValidationFailed({"files": _("%(name)s is larger than %(n)s MB.",
                                           name=safe_filename(item.filename), n=megabytes(per_file))}, status=413)
    return data


def receive(user: User, files: list[FileStorage], alts: list[str]) -> list[Prepared]:
    """Check, make safe and store the files of a message about to be sent (the caller checked membership).

    Raises ValidationFailed (413 for sizes, 507 when storage is full) with
    nothing stored, or offload.Busy. The result goes to `attach` in the
    message's transaction, or to `discard`.
    """
    files = chosen_files(files)
    if not files:
        return []
    cap = limits()
    if len(files) > cap["count"]:
        raise ValidationFailed({"files": _("A message can carry at most %(n)d files.", n=cap["count"])})
    uploads = []
    for index, item in enumerate(files):
        alt = text.clean_line(alts[index] if index < len(alts) else "")[:ALT_MAX]
        uploads.append((read_upload(item, cap["per_file"]), safe_filename(item.filename), alt))
    total = sum(len(data) for data, _name, _alt in uploads)
    if total > cap["per_message"]:
        raise ValidationFailed({"files": _("The files of one message can add up to %(n)s MB.",
                                           n=megabytes(cap["per_message"]))}, status=413)
    if used_storage(user.id) + total > cap["quota"]:
        raise ValidationFailed({"files": _("These files would take you past your storage quota of %(n)s MB. "
                                           "Delete some of your earlier files first.", n=megabytes(cap["quota"]))},
                               status=413)
    # Nothing is written yet: end the transaction, so that a request waiting for an image worker holds
    # none of the pool's connections (50 uploads at once would otherwise hold every one, and stall all posts).
    db.session.commit()
    prepared = []
    for data, name, alt in uploads:
        try:
            prepared.append(offload.run(prepare, data, name, alt))
        except FileRefused as refused:
            raise ValidationFailed({"files": REFUSALS[refused.reason](name)}) from None
    store(prepared)
    return prepared


def store(prepared: list[Prepared]) -> None:
    """Write every file (and preview) under new random keys; all or nothing."""
    storage = get_storage()

    def put(key: str, data: bytes, content_type: str) -> None:
        if storage.blocks:  # a disk write and fsync would stop every other request of the process
            offload.run(storage.put, key, data, content_type)
        else:
            storage.put(key, data, content_type)

    try:
        for item in prepared:
            folder = f"a/{secrets.token_hex(16)}"
            extension = item.filename.rsplit(".", 1)[-1].lower() if item.kind == "image" else "bin"
            item.storage_key = f"{folder}/file.{extension}"
            item.keys.append(item.storage_key)
            put(item.storage_key, item.data, item.content_type)
            if item.thumb is not None:
                item.thumb_key = f"{folder}/preview.webp"
                item.keys.append(item.thumb_key)
                put(item.thumb_key, item.thumb, "image/webp")
    except StorageFull:
        discard(prepared)
        raise ValidationFailed({"files": _("There is no room left to store files. Tell whoever runs this server.")},
                               status=507) from None
    except BaseException:
        discard(prepared)
        raise


def attach(message: Message, channel: Channel, prepared: list[Prepared]) -> None:
    """Rows for the stored files, in the message's transaction."""
    message.attachments = [
        Attachment(server_id=channel.server_id, channel_id=channel.id, uploader_id=message.author_id,
                   position=position, filename=item.filename, kind=item.kind, content_type=item.content_type,
                   size=item.size, storage_key=item.storage_key, width=item.width, height=item.height,
                   animated=item.animated, thumb_key=item.thumb_key,
                   thumb_width=item.thumb_size[0] if item.thumb_size else None,
                   thumb_height=item.thumb_size[1] if item.thumb_size else None,
                   colour=item.colour, alt=item.alt, created_at=utcnow())
        for position, item in enumerate(prepared)]


def discard(prepared: list[Prepared]) -> None:
    """Remove stored files no message took (a refused message, a retried one)."""
    keys = [key for item in prepared for key in item.keys]
    if keys:
        remove_files(keys)
    for item in prepared:
        item.keys.clear()


def keys_of(attachments) -> list[str]:
    return [key for a in attachments for key in (a.storage_key, a.thumb_key) if key]


def stored_keys(*where) -> list[str]:
    """The storage keys of the attachments matching `where` (read before deleting them)."""
    rows = db.session.execute(select(Attachment.storage_key, Attachment.thumb_key).where(*where))
    return [key for row in rows for key in row if key]


def remove_files(keys: list[str]) -> None:
    """Delete files after their rows are gone; what fails is left to `sweep`, and logged."""
    try:
        get_storage().delete(keys)
    except Exception:
        log.exception("Could not remove %d attachment files; `flask attachments sweep` will", len(keys))


def access_attachment(user: User, attachment_id: int) -> Attachment:
    """The attachment if the user is a member of its server (404 otherwise: outsiders learn nothing)."""
    attachment = db.session.scalar(
        select(Attachment).join(Membership, (Membership.server_id == Attachment.server_id)
                                & (Membership.user_id == user.id))
        .where(Attachment.id == attachment_id))
    if attachment is None:
        abort(404)
    return attachment


@dataclass
class FilesPage:
    attachments: list[Attachment]
    next_before: int | None


def files_page(server_id: int, before: int | None, limit: int = 30) -> FilesPage:
    """A server's files, newest first, by key (cost independent of how many there are)."""
    query = (select(Attachment).options(joinedload(Attachment.uploader), joinedload(Attachment.channel))
             .where(Attachment.server_id == server_id).order_by(Attachment.id.desc()).limit(limit + 1))
    if before is not None:
        query = query.where(Attachment.id < before)
    rows = list(db.session.scalars(query))
    return FilesPage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def sweep(grace: timedelta = timedelta(hours=1)) -> int:
    """Remove stored files that no attachment row names and that are older than `grace`; how many."""
    known = set(stored_keys())
    cutoff = utcnow() - grace
    orphans = [item.key for item in get_storage().list() if item.key not in known and item.modified_at < cutoff]
    if orphans:
        get_storage().delete(orphans)
    return len(orphans)
