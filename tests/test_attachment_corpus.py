"""Bad files sent as attachments: the avatar corpus and more, each refused with a clear message or
stored so that it can only ever be a download (or a clean, re-encoded image)."""
import io
import time
import zipfile

import pytest
from PIL import Image

from app.extensions import db
from app.models import Attachment, Message
from app.services.storage import get_storage
from tests.attachment_files import gif_frames
from tests.conftest import fresh, soup
from tests.test_profile import BAD_UPLOADS, image_bytes, png_bomb


def send(client, cast, name, data):
    return client.post(f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages",
                       data={"content": "", "files": [(io.BytesIO(data), name)]},
                       content_type="multipart/form-data")


def zip_bomb() -> bytes:
    """A 60 KB zip that would unpack to 64 MB of zeros (ratio ~1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("zeros.bin", b"\x00" * (64 * 1024 * 1024))
    return buffer.getvalue()


def animation_bomb() -> bytes:
    """500 x 500 pixels x 250 frames: each frame is small on disk, all of them decoded are 250 MB."""
    frames = [Image.new("P", (500, 500), index % 2) for index in range(250)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=20, optimize=False)
    return buffer.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script></svg>'
HTML = b"<!doctype html><html><body><script>fetch('/profile')</script></body></html>"

# What the avatar corpus refuses, an attachment either refuses (what claims to be an image and is not
# a clean one) or keeps as a download (what does not claim to be an image at all).
AVATAR_OUTCOMES = {
    "text file named .png": ("text", None),
    "truncated PNG": (None, "may be damaged"),
    "truncated JPEG": (None, "may be damaged"),
    "SVG with script": ("text", None),
    "HTML page": ("text", None),
    "GIF/JS polyglot": (None, "may be damaged"),
    "20000x20000 bomb": (None, "too many pixels"),
    "empty": (None, "is empty"),
}

MORE = [
    ("SVG with script named .png", SVG, "cat.png", "text", None),
    ("HTML named .png", HTML, "photo.png", "text", None),
    ("zip bomb named .zip", zip_bomb(), "backup.zip", "archive", None),
    ("pixel bomb 50000x50000", png_bomb(50000, 50000), "huge.png", None, "too many pixels"),
    ("animation bomb", animation_bomb(), "party.gif", None, "too many pixels"),
    ("0-byte file", b"", "nothing.txt", None, "is empty"),
    ("PDF", b"%PDF-1.7\n1 0 obj<</JS(app.alert(1))>>endobj\n%%EOF", "paper.pdf", "pdf", None),
    ("binary", bytes(range(256)) * 4, "blob.dat", "file", None),
]
CORPUS = [(label, data, name, *AVATAR_OUTCOMES[label]) for label, data, name, _message in BAD_UPLOADS] + MORE


@pytest.mark.parametrize("label, data, name, kind, refusal", CORPUS, ids=[c[0] for c in CORPUS])
def test_bad_files_are_refused_or_kept_as_downloads(local_storage, cast, as_user, label, data, name, kind, refusal):
    client = as_user(cast.member)
    started = time.monotonic()
    response = send(client, cast, name, data)
    assert time.monotonic() - started < 10  # nothing is unpacked or decoded past the checks
    fresh()
    if refusal:
        assert response.status_code == 422
        assert refusal in soup(response).select_one("#composer-files-error").get_text()
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0
        assert list(get_storage().list()) == []
        return
    assert response.status_code == 303
    attachment = db.session.scalar(db.select(Attachment))
    assert attachment.kind == kind and attachment.content_type == "application/octet-stream"
    assert get_storage().read(attachment.storage_key) == data  # kept as sent, never opened
    fetched = client.get(f"/attachments/{attachment.id}/{attachment.filename}")
    assert fetched.headers["Content-Type"] == "application/octet-stream"
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"
    assert fetched.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


POLYGLOTS = [
    ("PNG with HTML appended", image_bytes("PNG") + b"<html><script>alert(1)</script></html>", "p.png"),
    ("JPEG with a script comment", image_bytes("JPEG", comment=b"<script>alert(1)</script>"), "p.jpg"),
    ("GIF with a zip appended", gif_frames(2) + zip_bomb()[:2000], "p.gif"),
]


@pytest.mark.parametrize("label, data, name", POLYGLOTS, ids=[p[0] for p in POLYGLOTS])
def test_images_carrying_something_else_are_served_re_encoded(local_storage, cast, as_user, label, data, name):
    response = send(as_user(cast.member), cast, name, data)
    assert response.status_code == 303
    fresh()
    attachment = db.session.scalar(db.select(Attachment))
    stored = get_storage().read(attachment.storage_key)
    assert attachment.kind == "image" and stored != data
    assert b"<script>" not in stored and b"PK\x03\x04" not in stored and b"<html>" not in stored
    Image.open(io.BytesIO(stored)).load()


NAMES = [
    ("../../etc/passwd", "passwd"),
    # The multipart parser reads a backslash in a quoted name as an escape: what arrives has none.
    ("..\\..\\windows\\win.ini", "windowswin.ini"),
    ("inv\u202eoice\u202cfdp.exe", "invoicefdp.exe"),
    ("nul\x00byte.txt", "nulbyte.txt"),
    ("  .hidden  ", "hidden"),
    ("ünïcödé 名前.txt", "ünïcödé 名前.txt"),
    ("a" * 300 + ".txt", "a" * 196 + ".txt"),
    ("...", "file"),
]


@pytest.mark.parametrize("raw, kept", NAMES, ids=[n[1][:20] for n in NAMES])
def test_file_names_are_made_safe_and_unicode_kept(local_storage, cast, as_user, raw, kept):
    client = as_user(cast.member)
    response = send(client, cast, raw, b"some text")
    assert response.status_code == 303
    fresh()
    attachment = db.session.scalar(db.select(Attachment))
    assert attachment.filename == kept
    disposition = client.get(f"/attachments/{attachment.id}/x").headers["Content-Disposition"]
    assert disposition.isascii() and "\n" not in disposition and "/" not in disposition.split(";")[1]


def test_windows_paths_lose_their_folders_too():
    from app.services.attachments import safe_filename
    assert safe_filename("C:\\Users\\ana\\..\\report.pdf") == "report.pdf"
