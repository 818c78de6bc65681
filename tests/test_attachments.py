"""Attachments through HTTP: sending, fetching, who may fetch, limits, clean-up; on both storage backends.

The `storage` fixture runs each test on the local folder and on S3 (moto's
server, a real S3 API over HTTP on 127.0.0.1).
"""
import io
import re
from datetime import timedelta

import httpx
from PIL import Image
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Attachment, Message
from app.services import attachments as attachment_service
from app.services import messages as message_service
from app.services import profiles, servers
from app.services.storage import StorageFull, get_storage
from tests.attachment_files import gif_frames, jpeg_with_exif, png
from tests.conftest import PASSWORD, fresh, htmx_headers, soup


def post(client, cast, files, content="", headers=None, **form):
    data = {"content": content, **form}
    data["files"] = [(io.BytesIO(body), name) for name, body in files]
    return client.post(f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages", data=data,
                       content_type="multipart/form-data", headers=headers or {})


def stored(attachment: Attachment) -> bytes:
    return get_storage().read(attachment.storage_key)


def fetch(client, url):
    """The file's bytes and headers, following the S3 backend's presigned redirect."""
    response = client.get(url)
    if response.status_code == 302 and "X-Amz-Signature" in response.headers["Location"]:
        outside = httpx.get(response.headers["Location"])
        return outside.status_code, outside.content, outside.headers, response
    return response.status_code, response.get_data(), response.headers, response


def test_an_image_is_re_encoded_without_its_metadata_and_shown_at_its_size(storage, cast, as_user):
    client = as_user(cast.member)
    response = post(client, cast, [("holiday.jpg", jpeg_with_exif(1200, 800))], content="Look")
    assert response.status_code == 303
    fresh()
    attachment = db.session.scalar(db.select(Attachment))
    assert (attachment.kind, attachment.width, attachment.height) == ("image", 1200, 800)
    data = stored(attachment)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and not image.getexif() and b"GPS" not in data and b"Secret camera" not in data
    page = soup(client.get(f"/servers/{cast.server.id}/channels/{cast.channel.id}"))
    img = page.select_one(f"#message-{attachment.message_id} .attachment-image img")
    assert img["width"] == str(attachment.thumb_width) and img["height"] == str(attachment.thumb_height)
    assert img["alt"] == "Image: holiday.jpg"
    status, body, headers, _ = fetch(client, page.select_one(".attachment-image")["href"])
    assert status == 200 and body == data and headers["Content-Type"] == "image/jpeg"
    status, body, headers, _ = fetch(client, img["src"])
    assert status == 200 and Image.open(io.BytesIO(body)).format == "WEBP"


def test_a_message_may_be_only_files_but_not_nothing(storage, cast, as_user):
    client = as_user(cast.member)
    assert post(client, cast, [("notes.txt", b"hello")]).status_code == 303
    response = post(client, cast, [], content="  ")
    assert response.status_code == 422
    assert "Write something first." in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 1


def test_other_files_are_only_ever_downloads(storage, cast, as_user):
    client = as_user(cast.member)
    html = b"<html><script>alert(document.cookie)</script></html>"
    post(client, cast, [("résumé ‮gpj.html", html)])
    fresh()
    attachment = db.session.scalar(db.select(Attachment))
    assert attachment.kind == "text" and attachment.content_type == "application/octet-stream"
    assert "\u202e" not in attachment.filename
    status, body, headers, first = fetch(client, f"/attachments/{attachment.id}/x")
    assert status == 200 and body == html
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%20gpj.html" in headers["Content-Disposition"]
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_only_members_fetch_and_a_removed_member_loses_access(storage, cast, as_user, client):
    post(as_user(cast.member), cast, [("a.png", png(40, 30))])
    fresh()
    attachment = db.session.scalar(db.select(Attachment))
    urls = [f"/attachments/{attachment.id}/a.png", f"/attachments/{attachment.id}/preview",
            f"/servers/{cast.server.id}/files"]
    for url in urls:
        assert as_user(cast.admin).get(url).status_code in (200, 302)
        assert as_user(cast.outsider).get(url).status_code == 404
    servers.remove_member(cast.owner, cast.server.id, cast.admin.id)
    for url in urls:
        assert as_user(cast.admin).get(url).status_code == 404
    client.get("/logout")
    with client.session_transaction() as session:
        session.clear()
    assert "/login" in client.get(urls[0]).headers["Location"]


def test_files_arrive_in_the_message_and_live_fragment(storage, cast, as_user):
    client = as_user(cast.member)
    response = post(client, cast, [("a.png", png(20, 20)), ("b.gif", gif_frames(3))], content="two",
                    headers=htmx_headers(), alt=["A red square", ""])
    assert response.status_code == 200
    page = soup(response)
    images = page.select(".attachment-image img")
    assert [img["alt"] for img in images] == ["A red square", "Image: b.gif"]
    fresh()
    gif = db.session.scalar(db.select(Attachment).where(Attachment.filename == "b.gif"))
    assert gif.animated and Image.open(io.BytesIO(stored(gif))).n_frames == 3
    assert images[1]["src"].endswith("/b.gif")  # animations play inline (the preview is a still)


def test_sizes_are_refused_with_a_clear_message_and_nothing_is_kept(storage, app, cast, as_user):
    client = as_user(cast.member)
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    try:
        response = post(client, cast, [("big.bin", b"x" * 1001)], content="hi")
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 413
    assert "big.bin is larger than" in response.get_data(as_text=True)
    too_many = post(client, cast, [(f"{n}.txt", b"x") for n in range(11)], content="hi")
    assert too_many.status_code == 422 and "at most 10 files" in too_many.get_data(as_text=True)
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0
    assert list(get_storage().list()) == []


def test_a_body_over_the_message_cap_is_refused_before_it_is_read(storage, cast, as_user):
    class NeverRead(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

        readinto = readline = read

    url = f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages"
    response = as_user(cast.member).post(url, input_stream=NeverRead(), content_type="multipart/form-data; boundary=x",
                                         environ_overrides={"CONTENT_LENGTH": str(26 * 1024 * 1024)})
    assert response.status_code == 413
    assert soup(response).select_one("h1").text == "Too large"


def test_the_storage_quota_counts_what_a_user_has_stored(storage, app, cast, as_user):
    client = as_user(cast.member)
    app.config["USER_STORAGE_QUOTA_BYTES"] = 1500
    try:
        assert post(client, cast, [("one.bin", b"\x00" * 1000)]).status_code == 303
        response = post(client, cast, [("two.bin", b"\x00" * 1000)])
    finally:
        app.config["USER_STORAGE_QUOTA_BYTES"] = 1024 ** 3
    assert response.status_code == 413 and "storage quota" in response.get_data(as_text=True)


def test_a_full_disk_gives_a_clear_error_and_leaves_nothing(storage, cast, as_user, monkeypatch):
    backend = get_storage()
    real_put, calls = backend.put, []

    def put(key, data, content_type):
        calls.append(key)
        if len(calls) > 2:
            raise StorageFull()
        real_put(key, data, content_type)

    monkeypatch.setattr(backend, "put", put)
    response = post(as_user(cast.member), cast, [("a.png", png(20, 20)), ("b.png", png(20, 20))], content="x")
    monkeypatch.undo()
    assert response.status_code == 507 and "no room left" in response.get_data(as_text=True)
    assert list(backend.list()) == []
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0


def test_deleting_the_message_channel_server_or_account_removes_the_files(storage, cast, as_user):
    client = as_user(cast.member)
    for name in ("1.txt", "2.txt", "3.txt"):
        post(client, cast, [(name, b"text")])
    fresh()
    first = db.session.scalar(db.select(Attachment).where(Attachment.filename == "1.txt"))
    assert client.post(f"/messages/{first.message_id}/delete").status_code == 303
    fresh()
    assert len(list(get_storage().list())) == 2
    profiles.delete_account(cast.member, {"password": PASSWORD})
    fresh()
    assert list(get_storage().list()) == [] and db.session.scalar(db.select(Attachment)) is None
    post(as_user(cast.admin), cast, [("4.png", png(20, 20))])
    assert len(list(get_storage().list())) == 2  # the image and its preview
    fresh()  # MariaDB: this test's transaction began before that post
    servers.delete_server(cast.owner, cast.server.id)
    assert list(get_storage().list()) == []


def test_the_files_view_lists_newest_first_by_pages(storage, cast, as_user):
    client = as_user(cast.member)
    for n in range(32):  # through the service: 32 posts in a row would meet the posting rate limit
        files = attachment_service.receive(cast.member, [FileStorage(io.BytesIO(b"x"), f"f{n:02}.txt")], [])
        message_service.send_message(cast.member, cast.server.id, cast.channel.id, "", files=files)
    page = soup(client.get(f"/servers/{cast.server.id}/files"))
    names = [a.get_text() for a in page.select(".file-row .file-name")]
    assert names == [f"f{n:02}.txt" for n in range(31, 1, -1)]
    more = page.select_one("#files-more a")["href"]
    older = soup(client.get(more, headers=htmx_headers("#files-more")))
    assert [a.get_text() for a in older.select(".file-name")] == ["f01.txt", "f00.txt"]
    assert older.select_one("#files-more") is None


def test_the_sweeper_removes_files_no_message_took(storage, cast, as_user):
    post(as_user(cast.member), cast, [("kept.txt", b"x")])
    backend = get_storage()
    backend.put("a/orphan/file.bin", b"lost", "application/octet-stream")
    assert attachment_service.sweep(timedelta(hours=1)) == 0  # too young: a message may still take it
    assert attachment_service.sweep(timedelta(seconds=-5)) == 1
    keys = [item.key for item in backend.list()]
    fresh()
    assert keys == [db.session.scalar(db.select(Attachment.storage_key))]


def test_a_retried_post_keeps_one_copy_of_its_files(storage, cast, as_user):
    client = as_user(cast.member)
    for _ in range(2):
        post(client, cast, [("a.txt", b"x")], nonce="n-1")
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 1
    assert len(list(get_storage().list())) == 1


def test_the_composer_offers_files_without_javascript(cast, as_user):
    page = soup(as_user(cast.member).get(f"/servers/{cast.server.id}/channels/{cast.channel.id}"))
    form = page.select_one("#composer")
    assert form["enctype"] == "multipart/form-data"
    assert form.select_one("input[type=file][name=files][multiple]")
    assert re.match(r"\d+", form["data-max-file"])


def test_uploads_have_their_own_rate_limit(storage, app, cast, as_user, rate_limits):
    client = as_user(cast.member)
    app.config["UPLOAD_RATE_LIMIT"] = "2/10 minutes"
    try:
        statuses = [post(client, cast, [(f"{n}.txt", b"x")]).status_code for n in range(3)]
        text_only = post(client, cast, [], content="words still go").status_code
    finally:
        app.config["UPLOAD_RATE_LIMIT"] = "30/10 minutes;300/day"
    assert statuses == [303, 303, 429] and text_only == 303
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 2


def test_a_body_cut_short_leaves_nothing_behind(storage, cast, as_user):
    body = (b"--x\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nhi\r\n"
            b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"half.bin\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n" + b"\x00" * 5000)
    url = f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages"
    response = as_user(cast.member).post(url, input_stream=io.BytesIO(body),
                                         content_type="multipart/form-data; boundary=x",
                                         environ_overrides={"CONTENT_LENGTH": str(len(body) + 100_000)})
    assert response.status_code == 400
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0
    assert list(get_storage().list()) == []


def test_with_s3_the_pages_allow_images_from_its_endpoint(app):
    import configuracion
    from app.security import page_policy

    class S3Config(configuracion.TestingConfig):
        STORAGE_BACKEND = "s3"
        S3_ENDPOINT_URL = "https://files.example.net"
    policy = page_policy(type("FakeApp", (), {"config": {k: getattr(S3Config, k) for k in dir(S3Config)
                                                         if k.isupper()}})())
    assert "img-src 'self' data: blob: https://files.example.net;" in policy


def test_when_the_image_workers_stay_busy_the_post_says_so_and_keeps_nothing(storage, cast, as_user, monkeypatch):
    from app.services import offload

    def busy(job, *args):
        raise offload.Busy()

    monkeypatch.setattr(offload, "run", busy)
    response = post(as_user(cast.member), cast, [("a.png", png(20, 20))], content="x")
    assert response.status_code == 503 and "Try again in a moment" in response.get_data(as_text=True)
    monkeypatch.undo()
    assert list(get_storage().list()) == []
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0


def test_the_sweep_command_reports_what_it_removed(storage, app):
    get_storage().put("a/lost/file.bin", b"lost", "application/octet-stream")
    result = app.test_cli_runner().invoke(args=["attachments", "sweep", "--grace-minutes", "0"])
    assert result.exit_code == 0 and "Removed 1 orphaned files." in result.output
    assert list(get_storage().list()) == []
