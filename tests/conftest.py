"""Fixtures: one app and schema per session (built by the migrations), a clean
database per test, and a fixed cast of users with known roles.

TEST_DATABASE_URL selects the database (default: an SQLite file in a temp
folder); in CI it points at MariaDB. With CI=true a database that does not
answer is a failure, never a skip.
"""
import contextvars
import os
import re
import threading
from dataclasses import dataclass
from datetime import date

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

import configuracion
from app import create_app
from app.extensions import db, limiter
from app.models import ROLE_ADMIN, ROLE_MEMBER, Channel, Membership, Message, Server, User
from app.services import instance, passwords, sessions
from app.services import messages as message_service
from app.services import servers as server_service
from tests.databases import fresh_mysql_database


def give_this_worker_its_own_databases() -> None:
    """Under pytest-xdist (`-n 2`) each worker gets its own MariaDB database
    (`<name>_gw0`, ...) and Redis database (15, 14, ...), so one worker's
    clean-up never empties another's tables or rate-limit counters. Runs before
    `configuracion` reads REDIS_URL (in worker processes, whose environment
    subprocesses started by tests inherit)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    index = int(worker.removeprefix("gw"))
    database_url = os.environ.get("TEST_DATABASE_URL")
    if database_url and database_url.startswith("mysql") and not database_url.rstrip("/").endswith(f"_{worker}"):
        os.environ["TEST_DATABASE_URL"] = fresh_mysql_database(database_url, worker)
    redis_url = os.environ.get("REDIS_URL")
    match = re.fullmatch(r"(redis://[^/]+/)(\d+)", redis_url or "")
    if match and index:
        os.environ["REDIS_URL"] = f"{match[1]}{max(int(match[2]) - index, 0)}"
        configuracion.Config.REDIS_URL = os.environ["REDIS_URL"]
        configuracion.Config.RATELIMIT_STORAGE_URI = os.environ["REDIS_URL"]


give_this_worker_its_own_databases()

PASSWORD = "correct horse battery"
_PASSWORD_HASH = passwords.hash_password(PASSWORD)


def database_url_for_tests(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return configuracion.database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'charla-test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url_for_tests(tmp_path_factory)

    app = create_app(Config)
    app.test_client_class = IsolatedClient  # every client, not only the `client` fixture's
    limiter.enabled = False  # tests that check limits turn it on
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
    yield app


@pytest.fixture(autouse=True)
def clean_database(app):
    """Each test starts with empty tables, fresh rate-limit counters, and the instance's default settings
    (kept without a query, so that query counts do not depend on the settings cache's age)."""
    ctx = app.app_context()
    ctx.push()
    instance.remember(instance.Settings())
    yield
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    db.session.remove()
    limiter.reset()
    ctx.pop()


class IsolatedClient(FlaskClient):
    """Each request runs in its own context, as in production: its own app
    context, `g` and database session, not the test's."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


def fresh() -> None:
    """End the test's transaction so the next read sees what requests committed."""
    db.session.rollback()
    db.session.expire_all()


def make_user(username: str, **fields) -> User:
    user = User(username=username, username_key=username.lower(), email=f"{username.lower()}@example.com",
                display_name=fields.pop("display_name", username.title()), first_name="Test",
                last_name=username.title(), birth_date=date(1990, 1, 1), password_hash=_PASSWORD_HASH,
                **fields)
    db.session.add(user)
    db.session.commit()
    return user


def log_in(client, user: User) -> None:
    """Log `user` in on `client` without the password round trip (a session of its own)."""
    sessions.start_session(user, "pytest", "127.0.0.1")
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@dataclass
class Cast:
    owner: User
    admin: User
    member: User
    outsider: User
    server: Server
    channel: Channel

    def post(self, user: User, content: str, channel: Channel | None = None) -> Message:
        channel = channel or self.channel
        return message_service.send_message(user, channel.server_id, channel.id, content)


@pytest.fixture
def cast(app) -> Cast:
    """Owner, admin and member of one server (with #general), and an outsider."""
    owner, admin, member, outsider = (make_user(name) for name in ("olivia", "adam", "mia", "oscar"))
    server = server_service.create_server(owner, {"name": "Book Club", "description": "We read.",
                                                  "visibility": "public"})
    server_service.add_member(admin, server, role=ROLE_ADMIN)
    server_service.add_member(member, server, role=ROLE_MEMBER)
    db.session.commit()
    channel = server_service.get_channels(server.id)[0]
    return Cast(owner, admin, member, outsider, server, channel)


@pytest.fixture
def rate_limits():
    """The limiter on for one test (off by default, so other tests are not throttled)."""
    limiter.enabled = True
    yield
    limiter.enabled = False


@pytest.fixture
def as_user(client):
    """`as_user(user)` logs the test client in as that user and returns it."""
    def login(user):
        log_in(client, user)
        return client
    return login


HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def htmx_headers(target: str = "") -> dict:
    headers = dict(HTMX)
    if target:
        headers["HX-Target"] = target
    return headers


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def query_counter(app):
    """Counts SQL statements this thread runs inside the `with` block (the
    live dispatcher's polling on its own thread is not the request's)."""
    class Counter:
        def __init__(self):
            self.count = 0
            self.thread = threading.get_ident()

        def __enter__(self):
            event.listen(db.engine, "before_cursor_execute", self._count)
            self.count = 0
            return self

        def __exit__(self, *exc):
            event.remove(db.engine, "before_cursor_execute", self._count)

        def _count(self, *args, **kwargs):
            if threading.get_ident() == self.thread:
                self.count += 1

    return Counter()


def memberships_of(user: User) -> set[int]:
    return {m.server_id for m in db.session.scalars(db.select(Membership).where(Membership.user_id == user.id))}


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API on 127.0.0.1 (moto's server, in a thread of this process), for the S3 backend."""
    import socket

    from moto.server import ThreadedMotoServer
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


STORAGE_SETTINGS = ("STORAGE_BACKEND", "UPLOAD_FOLDER", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID",
                    "S3_SECRET_ACCESS_KEY")


@pytest.fixture(params=["local", "s3"])
def storage(request, app, tmp_path):
    """Each test that takes it runs on the local folder backend and on S3, with empty storage."""
    yield from use_storage(request, app, tmp_path, request.param)


@pytest.fixture
def local_storage(request, app, tmp_path):
    """Empty local storage in a folder of this test's own."""
    yield from use_storage(request, app, tmp_path, "local")


def use_storage(request, app, tmp_path, kind: str):
    import uuid

    from app.services.storage import get_storage
    saved = {key: app.config[key] for key in STORAGE_SETTINGS}
    if kind == "local":
        app.config.update(STORAGE_BACKEND="local", UPLOAD_FOLDER=str(tmp_path))
    else:
        app.config.update(STORAGE_BACKEND="s3", S3_ENDPOINT_URL=request.getfixturevalue("s3_endpoint"),
                          S3_BUCKET=f"charla-{uuid.uuid4().hex[:12]}", S3_ACCESS_KEY_ID="testing",
                          S3_SECRET_ACCESS_KEY="testing")
    app.extensions.pop("charla_storage", None)
    if kind == "s3":
        get_storage().client.create_bucket(Bucket=app.config["S3_BUCKET"])
    yield kind
    app.config.update(saved)
    app.extensions.pop("charla_storage", None)
