"""A database that does not answer: a styled 503 rendered without it, /healthz says 503, run.py says why."""
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

import configuracion
from app import create_app
from app.extensions import db
from app.services import servers as server_service
from tests.conftest import htmx_headers, soup

ROOT = Path(__file__).resolve().parents[1]
NOWHERE = "mysql://root@127.0.0.1:1/nothing"  # nothing listens on port 1


@pytest.fixture(scope="module")
def unreachable_app():
    """An app whose database refuses every connection."""
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = NOWHERE
        RATELIMIT_ENABLED = False  # as the suite's app: the limiter is shared

    return create_app(Config)


@pytest.fixture
def logged_in(unreachable_app):
    """A browser with the session cookie of a logged-in user: loading the user needs the database."""
    client = unreachable_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:session-token"
        session["_fresh"] = True
    return client


def assert_styled_503_page(response, title="Charla is temporarily unavailable"):
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "127.0.0.1" not in body
    page = soup(response)
    assert page.select_one("link[rel=stylesheet]")["href"].split("?")[0].endswith("app.css")
    assert page.select_one(".error-code").text == "503"
    assert page.select_one("h1").text == title
    assert title in page.select_one("title").text


def test_logged_in_page_gets_a_styled_503(logged_in):
    assert_styled_503_page(logged_in.get("/"))


def test_503_page_is_in_the_browsers_language(logged_in):
    response = logged_in.get("/", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert_styled_503_page(response, title="Charla no está disponible por el momento")
    assert soup(response).select_one("html")["lang"] == "es"


def test_htmx_gets_a_503_toast(logged_in):
    response = logged_in.get("/servers/1", headers=htmx_headers("div#server-view"))
    assert response.status_code == 503
    assert response.headers["HX-Retarget"] == "#toasts"
    page = soup(response)
    assert page.select_one("html") is None
    toast = page.select_one(".toast[role=alert]")
    assert toast["data-status"] == "503" and "Charla is temporarily unavailable" in toast.text


def test_a_write_gets_a_503_too(logged_in):
    response = logged_in.post("/servers", data={"name": "Book Club"})
    assert_styled_503_page(response)


def test_healthz_says_503_with_a_reason(unreachable_app):
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert "database" in response.json["reason"]


def test_the_error_is_logged_once_with_method_and_path(logged_in, caplog):
    with caplog.at_level(logging.ERROR):
        logged_in.get("/notifications?x=1")
    logged = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(logged) == 1
    assert "GET /notifications" in logged[0] and "Can't connect" in logged[0]


@pytest.mark.parametrize("failure", [
    OperationalError("SELECT 1", {}, Exception("server has gone away")),
    InterfaceError("SELECT 1", {}, Exception("connection closed")),
    DisconnectionError("connection invalidated"),
    PoolTimeout("QueuePool limit of size 5 overflow 10 reached, connection timed out"),
], ids=lambda error: type(error).__name__)
def test_database_failing_mid_request_gets_the_503_without_asking_it_again(client, as_user, cast, monkeypatch,
                                                                            failure):
    """The user is loaded, then a service rolls back and the database fails (or no connection is free):
    the same 503, and the error page sends no statement to the database (not even for the user's language)."""
    as_user(cast.member)
    failed, after_failure, request_thread = [], [], threading.get_ident()

    def gone(user):
        db.session.rollback()  # expires the loaded user: reading it again would query
        failed.append(True)
        raise failure

    def record(conn, cursor, statement, *args):
        if failed and threading.get_ident() == request_thread:  # not the live dispatcher's polling
            after_failure.append(statement)

    monkeypatch.setattr(server_service, "get_user_servers", gone)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get("/")
        failed.clear()
        toast = client.get("/", headers=htmx_headers("div#server-view"))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert_styled_503_page(page)
    assert toast.status_code == 503 and toast.headers["HX-Retarget"] == "#toasts"
    assert after_failure == []


def test_run_py_says_in_one_line_that_it_cannot_reach_the_database(tmp_path):
    env = {**os.environ, "DATABASE_URL": "mysql://root:hunter2@127.0.0.1:1/nothing",
           "CHARLA_INSTANCE_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run([sys.executable, "run.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False,
                            timeout=30)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode != 0
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    assert output.startswith("Charla cannot reach the database at mysql+pymysql://root:***@127.0.0.1:1/nothing")
    assert "hunter2" not in output
    assert "Connection refused" in output
