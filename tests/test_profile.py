"""Profiles and avatars: uploads judged by content, profile sections, sessions, deletion."""
import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Membership, Message, Server, User, UserSession
from app.services import events
from tests.conftest import PASSWORD, fresh, htmx_headers, log_in, make_user, soup


def image_bytes(fmt="PNG", size=(300, 200), colour=(200, 30, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt, **save)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (120, 90), (10, 120, 200))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 0.0), 3: "W", 4: (3.0, 42.0, 0.0)}  # GPSInfo
    exif[0x010E] = "secret location comment"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_bomb(width=20000, height=20000) -> bytes:
    """A valid PNG header claiming 20000x20000 with a tiny compressed body."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * (width * 3 + 1) * 10)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def upload(client, data: bytes, name="me.png", htmx=True):
    headers = htmx_headers("section#profile-avatar") if htmx else {}
    return client.post("/profile/avatar", data={"avatar": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=headers)


@pytest.fixture
def uploads(app, tmp_path):
    previous = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    yield tmp_path / "avatars"
    app.config["UPLOAD_FOLDER"] = previous


def stored(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


BAD_UPLOADS = [
    ("text file named .png", b"just some text, not an image", "a.png", "not a JPEG, PNG, WebP or GIF"),
    ("truncated PNG", image_bytes("PNG")[:60], "t.png", "not a JPEG, PNG, WebP or GIF"),
    ("truncated JPEG", image_bytes("JPEG")[:200], "t.jpg", "not a JPEG, PNG, WebP or GIF"),
    ("SVG with script", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg",
     "not a JPEG, PNG, WebP or GIF"),
    ("HTML page", b"<!doctype html><script>alert(1)</script>", "x.gif", "not a JPEG, PNG, WebP or GIF"),
    ("GIF/JS polyglot", b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=alert(1)//;", "p.gif", "not a JPEG, PNG, WebP or GIF"),
    ("20000x20000 bomb", png_bomb(), "bomb.png", "too many pixels"),
    ("empty", b"", "e.png", "Choose an image first."),
]


@pytest.mark.parametrize("label, data, name, message", BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_bad_uploads_are_refused_and_nothing_is_stored(client, as_user, uploads, label, data, name, message):
    as_user(make_user("mia"))
    response = upload(client, data, name)
    assert response.status_code == 422
    assert message in soup(response).select_one("#a-e-avatar").text
    assert stored(uploads) == []
    fresh()
    assert db.session.scalar(select(User.avatar_key).where(User.username == "mia")) is None
    assert client.get("/profile").status_code == 200  # still serving


def test_a_png_with_html_appended_is_re_encoded_clean(client, as_user, uploads):
    as_user(make_user("mia"))
    response = upload(client, image_bytes("PNG") + b"<html><script>alert(1)</script></html>")
    assert response.status_code == 200
    files = stored(uploads)
    assert len(files) == 2
    for name in files:
        content = (uploads / name).read_bytes()
        assert b"<script>" not in content and content[:4] == b"RIFF"


def test_over_the_byte_limit_is_413_before_reading(client, as_user, uploads, app):
    as_user(make_user("mia"))
    big = b"\x00" * (app.config["AVATAR_MAX_BYTES"] + 100 * 1024)
    response = upload(client, big, htmx=False)
    assert response.status_code == 413
    assert stored(uploads) == []


def test_jpeg_with_gps_is_accepted_and_the_exif_is_gone(client, as_user, uploads):
    user = make_user("mia")
    as_user(user)
    response = upload(client, jpeg_with_gps(), "holiday.jpg")
    assert response.status_code == 200
    fresh()
    key = db.session.scalar(select(User.avatar_key).where(User.id == user.id))
    assert stored(uploads) == [f"{key}-256.webp", f"{key}-64.webp"]
    for size in (256, 64):
        content = (uploads / f"{key}-{size}.webp").read_bytes()
        image = Image.open(io.BytesIO(content))
        assert image.size == (size, size)
        assert not image.getexif() and b"secret location" not in content
    served = client.get(f"/avatars/{key}-64.webp")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served.headers["Cache-Control"]
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert soup(response).select_one("img.avatar-xl")["src"] == f"/avatars/{key}-256.webp"


def test_replacing_and_removing_an_avatar_cleans_old_files(client, as_user, uploads):
    as_user(make_user("mia"))
    upload(client, image_bytes("PNG"))
    first = stored(uploads)
    upload(client, image_bytes("WEBP", colour=(0, 200, 0)), "new.webp")
    second = stored(uploads)
    assert len(second) == 2 and not set(first) & set(second)
    response = client.post("/profile/avatar/remove", headers=htmx_headers("section#profile-avatar"))
    assert response.status_code == 200 and stored(uploads) == []
    assert soup(response).select_one("span.avatar-xl").text == "M"


def test_when_the_image_workers_stay_busy_an_upload_gets_503_and_stores_nothing(client, as_user, uploads,
                                                                                monkeypatch):
    from app.services import offload
    user = make_user("mia")
    as_user(user)
    monkeypatch.setattr(offload, "WAIT_SECONDS", 0.05)
    held = [offload._thread_slots.acquire(timeout=1) for _ in range(offload.WORKERS)]  # other uploads, running
    try:
        response = upload(client, image_bytes())
    finally:
        for _ in held:
            offload._thread_slots.release()
    assert response.status_code == 503
    toast = soup(response).select_one(".toast")
    assert "Many images are being processed right now. Try again in a moment." in toast.text
    assert stored(uploads) == []
    fresh()
    assert db.session.get(User, user.id).avatar_key is None
    assert upload(client, image_bytes()).status_code == 200


def test_avatar_names_are_checked(client, as_user):
    as_user(make_user("mia"))
    assert client.get("/avatars/..%2F..%2Fsecret_key").status_code == 404
    assert client.get("/avatars/notahash-64.webp").status_code == 404


@pytest.mark.parametrize("field, value, message", [
    ("display_name", "", "Display name is required."),
    ("first_name", "x" * 65, "at most 64"),
    ("birth_date", "3000-01-01", "real birth date"),
    ("bio", "b" * 191, "At most 190"),
    ("locale", "fr", "Choose a language"),
])
def test_personal_data_validation(client, as_user, field, value, message):
    user = make_user("mia")
    as_user(user)
    data = {"display_name": "Mia", "first_name": "Mia", "last_name": "Rossi", "birth_date": "", "bio": "", "locale": ""}
    data[field] = value
    response = client.post("/profile/personal", data=data, headers=htmx_headers("section#profile-personal"))
    assert response.status_code == 422
    section = soup(response).select_one("section#profile-personal")
    assert message in section.select_one(f"#p-e-{field}").text if field != "locale" else message in section.text
    fresh()
    assert db.session.scalar(select(User.first_name).where(User.id == user.id)) == "Test"


def test_personal_data_saves_and_announces_the_new_name(client, as_user, cast):
    as_user(cast.member)
    start = db.session.scalar(select(func.max(Event.id)))
    response = client.post("/profile/personal", data={
        "display_name": "Mia R.", "first_name": "Mia", "last_name": "Rossi", "birth_date": "1991-02-03",
        "bio": "Reads a lot.", "locale": "es"}, headers=htmx_headers("section#profile-personal"))
    assert response.status_code == 200
    # A new language: the whole page is loaded again in it (tests/test_small_things.py).
    assert response.headers["HX-Redirect"] == "/profile"
    fresh()
    user = db.session.get(User, cast.member.id)
    assert (user.display_name, user.bio, user.locale) == ("Mia R.", "Reads a lot.", "es")
    kinds = db.session.scalars(select(Event.kind).where(Event.id > start)).all()
    assert kinds == [events.USER_UPDATED]
    assert soup(client.get("/profile")).select_one("html")["lang"] == "es"


def test_plain_form_saves_and_redirects(client, as_user):
    as_user(make_user("mia"))
    response = client.post("/profile/personal", data={"display_name": "M", "first_name": "M", "last_name": "R"})
    assert response.status_code == 303 and response.headers["Location"] == "/profile"


def test_email_and_password_need_the_current_password(client, as_user):
    user = make_user("mia")
    as_user(user)
    wrong = client.post("/profile/email", data={"email": "new@example.com", "current_password": "nope"},
                        headers=htmx_headers("section"))
    assert wrong.status_code == 422
    assert "not your current password" in soup(wrong).select_one("#m-e-current_password").text
    ok = client.post("/profile/email", data={"email": "New@Example.com", "current_password": PASSWORD})
    assert ok.status_code == 303
    weak = client.post("/profile/password", data={"current_password": PASSWORD, "new_password": "password123"},
                       headers=htmx_headers("section"))
    assert "too easy" in soup(weak).select_one("#w-e-new_password").text
    fresh()
    assert db.session.scalar(select(User.email).where(User.id == user.id)) == "new@example.com"


def test_password_change_signs_out_every_other_session(app, client, as_user):
    user = make_user("mia")
    other = app.test_client()
    log_in(other, user)
    as_user(user)
    assert other.get("/").status_code == 200
    response = client.post("/profile/password", data={"current_password": PASSWORD,
                                                      "new_password": "a brand new secret"})
    assert response.status_code == 303
    assert client.get("/").status_code == 200  # this browser stays in
    assert other.get("/").status_code == 302  # the other is sent to login
    fresh()
    revoked = db.session.scalar(select(Event).where(Event.kind == events.SESSIONS_REVOKED))
    remaining = db.session.scalars(select(UserSession.id).where(UserSession.user_id == user.id)).all()
    assert revoked.user_id == user.id and len(revoked.payload["sessions"]) == 1
    assert revoked.payload["sessions"][0] not in remaining and len(remaining) == 1


def test_profile_card_shows_shared_servers_and_hides_strangers(client, as_user, cast):
    as_user(cast.member)
    card = soup(client.get(f"/users/{cast.owner.id}/card", headers=htmx_headers("div#profile-card")))
    assert card.select_one("h2").text == "Olivia"
    assert card.select_one(".username").text == "@olivia"
    assert card.select_one(".presence-line").text.strip() == "Offline"  # no tab of hers is open
    assert [a.text for a in card.select(".shared-servers a")] == ["Book Club"]
    assert client.get(f"/users/{cast.outsider.id}/card").status_code == 404
    page = soup(client.get(f"/servers/{cast.server.id}"))
    cast.post(cast.owner, "hi")
    link = soup(client.get(f"/servers/{cast.server.id}")).select_one(".message .author")
    assert link["hx-get"] == f"/users/{cast.owner.id}/card" and link["hx-target"] == "#profile-card"
    assert page.select_one("#profile-card") is not None


def test_nobody_edits_someone_elses_profile(client, as_user, cast):
    """Every profile endpoint acts on the logged-in user only: there is no user id to change."""
    as_user(cast.member)
    client.post("/profile/personal", data={"display_name": "Hacked", "first_name": "H", "last_name": "H",
                                           "user_id": cast.owner.id})
    fresh()
    assert db.session.scalar(select(User.display_name).where(User.id == cast.owner.id)) == "Olivia"


def test_owner_must_delete_servers_before_deleting_the_account(client, as_user, cast):
    as_user(cast.owner)
    page = soup(client.get("/profile"))
    assert "Book Club" in page.select_one("#owned-servers").text
    response = client.post("/profile/delete", data={"password": PASSWORD}, headers=htmx_headers("section"))
    assert response.status_code == 422
    assert "Book Club" in soup(response).select_one("#d-e-password").text


def test_deleting_the_account_leaves_no_personal_data(app, client, as_user, cast, uploads):
    as_user(cast.member)
    upload(client, image_bytes("PNG"))
    cast.post(cast.member, "my words stay")
    wrong = client.post("/profile/delete", data={"password": "nope"})
    assert wrong.status_code == 422
    response = client.post("/profile/delete", data={"password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    fresh()
    user = db.session.get(User, cast.member.id)
    assert user.deleted_at is not None
    personal = (user.username, user.email, user.display_name, user.first_name, user.last_name, user.bio,
                user.birth_date, user.avatar_key, user.locale)
    assert "mia" not in " ".join(str(v).lower() for v in personal)
    assert (user.first_name, user.last_name, user.bio, user.birth_date, user.avatar_key) == ("", "", "", None, None)
    assert stored(uploads) == []
    assert db.session.scalar(select(func.count(Membership.id)).where(Membership.user_id == user.id)) == 0
    assert db.session.scalar(select(Server.member_count).where(Server.id == cast.server.id)) == 2
    assert db.session.scalar(select(func.count(Message.id)).where(Message.author_id == user.id)) == 1
    log_in(client, cast.owner)
    article = soup(client.get(f"/servers/{cast.server.id}")).select_one(".message")
    assert article.select_one(".author").text == "Deleted user"
    assert article.select_one(".avatar").text == "?"
    for login in ("mia", "mia@example.com", f"deleted-{user.id}"):
        assert app.test_client().post("/login", data={"login": login, "password": PASSWORD}).status_code == 401


CHROME_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 "
                "Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.0 Mobile/15E148 Safari/604.1")


def log_in_with(app, user, agent):
    browser = app.test_client()
    response = browser.post("/login", data={"login": user.username, "password": PASSWORD},
                            headers={"User-Agent": agent})
    assert response.status_code == 303
    return browser


def test_the_profile_lists_sessions_with_device_and_marks_this_one(app, cast):
    laptop = log_in_with(app, cast.member, CHROME_LINUX)
    log_in_with(app, cast.member, SAFARI_IPHONE)
    page = soup(laptop.get("/profile"))
    rows = page.select("#profile-sessions .session")
    devices = [row.select_one(".session-device").text for row in rows]
    assert sorted(devices) == ["Chrome on Linux", "Mobile Safari on iOS"]
    current = [row for row in rows if row.select_one(".session-current")]
    assert len(current) == 1 and current[0].select_one(".session-device").text == "Chrome on Linux"
    assert "Active now" in current[0].select_one(".session-meta").text
    assert all(row.select_one("form button")["aria-label"].startswith("Log out ") for row in rows)


def test_revoking_another_session_signs_that_browser_out(app, cast):
    laptop = log_in_with(app, cast.member, CHROME_LINUX)
    phone = log_in_with(app, cast.member, SAFARI_IPHONE)
    fresh()
    phone_session = db.session.scalar(select(UserSession).where(UserSession.user_agent == SAFARI_IPHONE))
    response = laptop.post(f"/profile/sessions/{phone_session.id}/revoke", headers=htmx_headers("section"))
    assert response.status_code == 200
    section = soup(response)
    assert section.select_one("[role=status]").text == "That session has been logged out."
    assert [row.select_one(".session-device").text for row in section.select(".session")] == ["Chrome on Linux"]
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200


def test_nobody_revokes_someone_elses_session(app, cast):
    mine = log_in_with(app, cast.member, CHROME_LINUX)
    log_in_with(app, cast.owner, CHROME_LINUX)
    fresh()
    owners = db.session.scalar(select(UserSession.id).where(UserSession.user_id == cast.owner.id))
    assert mine.post(f"/profile/sessions/{owners}/revoke").status_code == 404
    fresh()
    assert db.session.get(UserSession, owners) is not None


def test_revoking_this_session_logs_out_here(app, cast):
    laptop = log_in_with(app, cast.member, CHROME_LINUX)
    fresh()
    this = db.session.scalar(select(UserSession.id).where(UserSession.user_id == cast.member.id))
    response = laptop.post(f"/profile/sessions/{this}/revoke")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert laptop.get("/").status_code == 302


def test_log_out_everywhere_ends_every_session(app, cast):
    laptop = log_in_with(app, cast.member, CHROME_LINUX)
    phone = log_in_with(app, cast.member, SAFARI_IPHONE)
    response = laptop.post("/profile/sessions/end-all", headers=htmx_headers())
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/login"
    assert laptop.get("/").status_code == 302 and phone.get("/").status_code == 302
    fresh()
    revoked = db.session.scalar(select(Event).where(Event.kind == events.SESSIONS_REVOKED))
    assert revoked.user_id == cast.member.id and len(revoked.payload["sessions"]) == 2
