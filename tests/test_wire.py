"""Light on the wire: pages compressed, static files under content-hashed URLs kept a year, the stream never
compressed."""
import gzip
import re
from pathlib import Path

import brotli
import pytest

from app import static_files
from tests.conftest import htmx_headers, soup

ROOT = Path(__file__).resolve().parents[1]
IMMUTABLE = "public, max-age=31536000, immutable"


def static_urls(html_page) -> list[str]:
    page = soup(html_page)
    return ([tag["href"] for tag in page.select("link[href^='/static/']")]
            + [tag["src"] for tag in page.select("script[src^='/static/']")])


def test_every_static_url_of_a_page_carries_the_hash_of_its_file(client):
    urls = static_urls(client.get("/login"))
    assert {url.split("?")[0] for url in urls} >= {"/static/css/app.css", "/static/js/app.js", "/static/js/wire.js",
                                                   "/static/vendor/htmx/htmx.min.js", "/static/favicon.svg"}
    for url in urls:
        path, _, query = url.partition("?")
        version = re.fullmatch(r"v=([0-9a-f]{16})", query).group(1)
        assert version == static_files.file_version(str(ROOT / "static"), path.removeprefix("/static/"))


def test_a_changed_file_gets_a_new_url(tmp_path):
    (tmp_path / "a.css").write_text("body { color: red; }")
    first = static_files.file_version(str(tmp_path), "a.css")
    assert static_files.file_version(str(tmp_path), "a.css") == first
    (tmp_path / "a.css").write_text("body { color: blue; }")
    assert static_files.file_version(str(tmp_path), "a.css") not in (None, first)
    assert static_files.file_version(str(tmp_path), "missing.css") is None


def test_a_hashed_static_url_is_kept_a_year_and_any_other_is_asked_again(client):
    url = next(u for u in static_urls(client.get("/login")) if "/css/app.css" in u)
    hashed = client.get(url)
    assert hashed.status_code == 200 and hashed.headers["Cache-Control"] == IMMUTABLE
    assert "Cookie" not in hashed.headers.get("Vary", "")  # a new session cookie must not invalidate it
    assert hashed.get_data() == static_files.minified(str(ROOT / "static"), "css/app.css")
    for stale in ("/static/css/app.css", "/static/css/app.css?v=0123456789abcdef"):
        response = client.get(stale)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "") and "no-cache" in response.headers[
            "Cache-Control"]


@pytest.mark.parametrize("accept, encoding, decode", [
    ("br, gzip, deflate", "br", brotli.decompress),
    ("gzip, deflate", "gzip", gzip.decompress),
])
def test_pages_and_fragments_are_compressed_when_the_browser_accepts_it(client, as_user, cast, accept, encoding,
                                                                         decode):
    as_user(cast.member)
    for message in range(30):
        cast.post(cast.owner, f"message {message} with some words to make the page worth compressing")
    path = f"/servers/{cast.server.id}/channels/{cast.channel.id}"
    plain = client.get(path)
    page = client.get(path, headers={"Accept-Encoding": accept})
    fragment = client.get(path, headers={"Accept-Encoding": accept, **htmx_headers("main#messages-column")})
    assert page.status_code == fragment.status_code == 200
    assert "Content-Encoding" not in plain.headers  # a client that does not ask gets it plain
    for response in (page, fragment):
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"] and "HX-Request" in response.headers["Vary"]
        assert "max-age" not in response.headers.get("Cache-Control", "")  # pages are never kept
        assert "message 29 with some words" in decode(response.get_data()).decode()
    assert len(page.get_data()) < len(plain.get_data()) / 4


def test_css_and_javascript_are_compressed(client):
    for url in static_urls(client.get("/login")):
        if url.endswith(".svg") or "favicon" in url:
            continue
        response = client.get(url, headers={"Accept-Encoding": "br"})
        assert response.headers["Content-Encoding"] == "br", url
        filename = url.split("?")[0].removeprefix("/static/")
        expected = static_files.minified(str(ROOT / "static"), filename) or (ROOT / "static" / filename).read_bytes()
        assert brotli.decompress(response.get_data()) == expected


def test_our_css_and_javascript_go_out_minified_and_vendored_files_as_they_are(client):
    for filename in ("js/app.js", "js/wire.js", "css/app.css"):
        source = (ROOT / "static" / filename).read_text()
        served = client.get(f"/static/{filename}").get_data(as_text=True)
        assert len(served) < 0.9 * len(source), filename
        assert "/*" not in served and "\n  " not in served, filename  # no comments, no indentation
    assert '"data-enter-submits"' in client.get("/static/js/app.js").get_data(as_text=True)  # the same program
    vendored = client.get("/static/vendor/htmx/htmx.min.js").get_data()
    assert vendored == (ROOT / "static/vendor/htmx/htmx.min.js").read_bytes()


def test_in_debug_mode_the_files_are_served_as_written(app, client):
    app.debug = True
    try:
        served = client.get("/static/js/app.js").get_data()
    finally:
        app.debug = False
    assert served == (ROOT / "static/js/app.js").read_bytes()


def test_the_stream_is_never_compressed_and_its_first_bytes_go_out_at_once(client, as_user, cast):
    as_user(cast.member)
    response = client.get("/events/stream", headers={"Accept-Encoding": "br, gzip, deflate, zstd"}, buffered=False)
    try:
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers
        first = next(iter(response.response))  # the opening frame, before any event
        assert (first if isinstance(first, bytes) else first.encode()).startswith(b"retry: ")
    finally:
        response.close()


def test_scripts_and_stylesheets_carry_only_the_headers_that_apply_to_them(client):
    urls = static_urls(client.get("/login"))
    for url in urls:
        response = client.get(url)
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        if url.split("?")[0].endswith((".js", ".css")):
            assert "Content-Security-Policy" not in response.headers, url
        else:  # an SVG opened on its own is a document: it keeps the policy
            assert "script-src 'self'" in response.headers["Content-Security-Policy"], url
    assert "Content-Security-Policy" in client.get("/login").headers
