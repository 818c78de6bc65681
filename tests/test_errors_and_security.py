"""Error pages and toasts, CSRF, security headers, upload limits."""
import logging
import re

import pytest
from sqlalchemy.exc import ProgrammingError

import configuracion
from app import create_app
from app.services import instance
from app.services import servers as server_service
from tests.conftest import htmx_headers, log_in, make_user, soup


@pytest.mark.parametrize("path, code, title", [
    ("/no/such/page", 404, "Not found"),
    ("/servers/999999", 404, "Not found"),
])
def test_plain_error_is_a_full_styled_page_with_a_way_back(client, as_user, path, code, title):
    as_user(make_user("mia"))
    response = client.get(path)
    assert response.status_code == code
    page = soup(response)
    assert page.select_one("link[rel=stylesheet]")["href"].split("?")[0].endswith("app.css")
    assert page.select_one(".error-code").text == str(code)
    assert page.select_one("h1").text == title
    assert page.select_one("a.button")["href"] == "/"


def test_htmx_error_is_a_toast_with_the_real_status(client, as_user):
    as_user(make_user("mia"))
    response = client.get("/servers/999999", headers=htmx_headers("div#server-view"))
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#toasts"
    assert response.headers["HX-Reswap"] == "beforeend"
    page = soup(response)
    assert page.select_one("html") is None
    toast = page.select_one(".toast[role=alert]")
    assert toast["data-status"] == "404" and "Not found" in toast.text


def test_405_has_allow_header(client, as_user):
    as_user(make_user("mia"))
    response = client.put("/servers")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert soup(response).select_one(".error-code").text == "405"


def test_413_for_a_body_over_the_limit(client, as_user, cast):
    as_user(cast.member)
    response = client.post(f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages",
                           data={"content": "x" * (configuracion.Config.MESSAGE_ATTACHMENTS_MAX_BYTES + 70_000)})
    assert response.status_code == 413
    assert soup(response).select_one("h1").text == "Too large"


def test_500_logs_the_traceback_and_shows_no_internals(client, as_user, monkeypatch, caplog):
    as_user(make_user("mia"))

    def broken(user):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(server_service, "get_user_servers", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/")
        toast = client.get("/", headers=htmx_headers("div#server-view"))
    assert response.status_code == 500 and toast.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internal detail" not in body and "Traceback" not in body
    assert soup(response).select_one("h1").text == "Something went wrong"
    assert toast.headers["HX-Retarget"] == "#toasts"
    assert any("GET /" in r.getMessage() and r.exc_info and "secret internal detail" in str(r.exc_info[1])
               for r in caplog.records)


def test_a_500_from_the_database_still_renders_its_page(client, as_user, monkeypatch, caplog):
    """The failing query may be the one the title needs (the instance's name): the page shows the default."""
    as_user(make_user("mia"))

    def unreadable(user=None):
        raise ProgrammingError("SELECT ...", {}, Exception("no such table"))

    monkeypatch.setattr(server_service, "get_user_servers", unreadable)
    monkeypatch.setattr(instance, "get_settings", unreadable)
    with caplog.at_level(logging.WARNING):
        response = client.get("/")
    assert response.status_code == 500
    page = soup(response)
    assert page.select_one("h1").text == "Something went wrong"
    assert page.select_one("title").text.strip().endswith("Charla")
    assert any("instance's name" in r.getMessage() for r in caplog.records)


def test_security_headers_and_strict_csp(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_carry_no_inline_script_or_style(client, cast):
    log_in(client, cast.owner)
    cast.post(cast.owner, "hi")
    for path in ("/login", "/", f"/servers/{cast.server.id}"):
        page = soup(client.get(path))
        assert all(script.get("src") for script in page.select("script"))
        assert page.select("[style]") == [] and page.select("style") == []
        assert not [tag for tag in page.find_all(True) if any(a.startswith("on") for a in tag.attrs)]
        assert not [tag for tag in page.find_all(True) if any(a.startswith("hx-on") for a in tag.attrs)]


@pytest.fixture(scope="module")
def csrf_app(tmp_path_factory):
    class Config(configuracion.TestingConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path_factory.mktemp('csrf') / 'csrf.db'}"

    app = create_app(Config)
    with app.app_context():
        from app.extensions import db
        db.create_all()
    return app


def test_every_write_needs_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    posts = sorted({rule.rule for rule in csrf_app.url_map.iter_rules() if "POST" in rule.methods})
    assert len(posts) >= 10
    for rule in posts:
        url = re.sub(r"<[^>]+>", "1", rule)
        response = client.post(url, data={"content": "x"})
        assert response.status_code == 400, url
        assert soup(response).select_one("h1").text == "Page expired"


def test_csrf_token_from_the_layout_is_accepted_as_a_header(csrf_app):
    client = csrf_app.test_client()
    page = soup(client.get("/login"))
    token = page.select_one("meta[name=csrf-token]")["content"]
    response = client.post("/login", data={"login": "nobody", "password": "whatever!"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 401
    form_token = page.select_one("form input[name=csrf_token]")["value"]
    assert client.post("/login", data={"login": "nobody", "password": "x", "csrf_token": form_token}).status_code == 401
    assert csrf_app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_layout_gives_htmx_the_csrf_header(client, as_user):
    as_user(make_user("mia"))
    body = soup(client.get("/")).select_one("body")
    assert '"X-CSRFToken"' in body["hx-headers:inherited"]
