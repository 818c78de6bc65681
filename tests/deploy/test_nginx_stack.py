"""Charla as deployed: every request goes through nginx over HTTPS and HTTP/2
(deploy/nginx/charla.conf) to `gunicorn -k gevent -w 2` on MariaDB and Redis."""
import re
import time
from contextlib import contextmanager

import httpx
import pytest
from httpx_sse import connect_sse

from tests.conftest import PASSWORD
from tests.deploy.conftest import SITE
from tests.live.conftest import ROOT, Stream, token_in
from tests.live.test_protocol import message_ids

pytestmark = pytest.mark.timeout(120)


class Visitor:
    """One browser: an HTTP/2 client that sends a same-origin Referer, as browsers do
    (Flask-WTF refuses a form posted over HTTPS without one)."""

    def __init__(self, stack):
        self.stack = stack
        self.http = stack.client(headers={"Referer": stack.base + "/"})
        self.token = None

    def log_in(self, username: str) -> "Visitor":
        page = self.http.get("/login")
        assert page.status_code == 200 and page.http_version == "HTTP/2"
        response = self.http.post("/login", data={"login": username, "password": PASSWORD,
                                                  "csrf_token": token_in(page.text)})
        assert response.status_code in (302, 303), response.text[:500]
        home = self.http.get("/")
        assert home.status_code == 200, f"{username} could not log in"
        self.token = token_in(home.text)
        return self

    def htmx(self) -> dict:
        return {"HX-Request": "true", "X-CSRFToken": self.token}

    def post(self, channel, content: str) -> int:
        response = self.http.post(f"/servers/{channel.server_id}/channels/{channel.id}/messages",
                                  data={"content": content}, headers=self.htmx())
        assert response.status_code == 200, response.text[:500]
        assert response.http_version == "HTTP/2"
        return int(re.search(r'id="message-(\d+)"', response.text).group(1))

    @contextmanager
    def stream(self, last_event_id: int | None = None):
        headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
        with connect_sse(self.http, "GET", "/events/stream", headers=headers,
                         timeout=httpx.Timeout(10, read=10)) as source:
            assert source.response.http_version == "HTTP/2"
            yield Stream(source)

    def close(self) -> None:
        self.http.close()


@pytest.fixture(scope="module")
def visitors(stack):
    ana, bruno = Visitor(stack).log_in("ana"), Visitor(stack).log_in("bruno")
    yield ana, bruno
    ana.close()
    bruno.close()


def test_the_readme_shows_the_shipped_configuration():
    assert f"```nginx\n{SITE.read_text()}```" in (ROOT / "README.md").read_text()


def test_pages_are_served_over_http2_with_secure_cookies(stack):
    with stack.client() as http:
        login = http.get("/login")
        assert login.http_version == "HTTP/2"
        assert login.status_code == 200
        assert 'name="password"' in login.text
        assert login.headers["strict-transport-security"]
        home = http.get("/")
    assert home.status_code in (302, 303) and home.headers["location"].startswith("/login")
    visitor = Visitor(stack)
    try:
        visitor.log_in("ana")
        assert all(cookie.secure for cookie in visitor.http.cookies.jar)
        world = stack.world
        page = visitor.http.get(f"/servers/{world.book.server_id}/channels/{world.book.id}")
        assert page.status_code == 200 and page.http_version == "HTTP/2"
        assert "Book Club" in page.text
    finally:
        visitor.close()


def test_plain_http_is_redirected_to_https(stack):
    response = httpx.get(stack.plain + "/login", timeout=10)
    assert response.status_code == 301
    assert response.headers["location"].startswith("https://127.0.0.1")


def test_nginx_serves_the_static_files(stack):
    with stack.client() as http:
        response = http.get("/static/css/app.css")
        stylesheet = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', http.get("/login").text).group(1)
        versioned = http.get(stylesheet, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.http_version == "HTTP/2"
    assert response.content == (ROOT / "static" / "css" / "app.css").read_bytes()
    assert response.headers["content-type"].startswith("text/css")
    assert "content-security-policy" not in response.headers  # nginx's, not the app's
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"  # no version in the URL: asked again each time
    # As the pages link it: kept a year, compressed.
    assert versioned.status_code == 200 and versioned.content == response.content
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert versioned.headers["content-encoding"] == "gzip"
    assert "content-security-policy" not in versioned.headers


def test_pages_come_compressed_through_nginx(stack):
    with stack.client() as http:
        page = http.get("/login", headers={"Accept-Encoding": "br, gzip"})
    assert page.status_code == 200 and page.headers["content-encoding"] == "br"
    assert 'name="password"' in page.text
    assert "max-age" not in page.headers.get("cache-control", "")  # pages are never kept


def test_an_avatar_larger_than_nginx_default_body_limit_reaches_the_app(stack, visitors):
    ana, _ = visitors
    body = b"\0" * (2 * 1024 * 1024)  # nginx refuses more than 1 MB unless told otherwise
    response = ana.http.post("/profile/avatar", files={"avatar": ("big.png", body, "image/png")},
                             headers=ana.htmx())
    assert response.status_code != 413, "nginx refused the body"
    assert "content-security-policy" in response.headers  # Charla answered


def test_an_attachment_goes_up_through_nginx_and_nginx_sends_it_to_members_only(stack, visitors):
    ana, bruno = visitors
    book = stack.world.book
    body = bytes(range(256)) * (12 * 1024)  # 3 MB: over nginx's default body limit
    response = ana.http.post(f"/servers/{book.server_id}/channels/{book.id}/messages",
                             data={"content": "the data"}, files={"files": ("datos año.bin", body)},
                             headers=ana.htmx())
    assert response.status_code == 200, response.text[:500]
    url = re.search(r'href="(/attachments/\d+/[^"]+)"', response.text).group(1)
    fetched = bruno.http.get(url)
    # Charla answers with an empty body and X-Accel-Redirect: the bytes can only have come from nginx.
    assert fetched.status_code == 200 and fetched.content == body
    assert "x-accel-redirect" not in fetched.headers
    assert fetched.headers["content-type"] == "application/octet-stream"
    assert fetched.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''datos%20a%C3%B1o.bin" in fetched.headers["content-disposition"]
    assert fetched.headers["x-content-type-options"] == "nosniff"
    assert fetched.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert stack.client().get(url).status_code == 302  # not signed in: to the login page
    assert bruno.http.get("/_charla_files/" + "x" * 8).status_code == 404  # internal only


def test_the_stream_is_not_buffered_and_delivers_live(stack, visitors):
    ana, bruno = visitors
    started = time.monotonic()
    with bruno.http.stream("GET", "/events/stream", timeout=10) as response:
        first = next(response.iter_raw())
        first_bytes = time.monotonic() - started
        assert response.http_version == "HTTP/2"
        assert response.headers["content-type"].startswith("text/event-stream")
    assert first.startswith(b"retry: ")
    assert first_bytes < 1, f"first bytes after {first_bytes:.2f} s"

    with bruno.stream() as source:
        posted_at = time.monotonic()
        posted = ana.post(stack.world.book, "through nginx")
        frame = source.next()
        delay = time.monotonic() - posted_at
    assert message_ids(frame) == [posted]
    assert delay < 1, f"message arrived {delay:.2f} s after the POST"


def test_a_reconnect_with_last_event_id_replays_what_was_missed(stack, visitors):
    ana, bruno = visitors
    book = stack.world.book
    with bruno.stream() as source:
        ana.post(book, "seen")
        last_seen = int(source.next().id)
    missed = [ana.post(book, f"missed {i}") for i in range(3)]
    with bruno.stream(last_event_id=last_seen) as source:
        replayed = [source.next() for _ in missed]
        live = ana.post(book, "live again")
        after = source.next()
    assert [message_ids(frame) for frame in replayed] == [[m] for m in missed]
    assert int(replayed[0].id) > last_seen
    assert message_ids(after) == [live]
