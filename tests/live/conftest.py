"""Live tests: real `python run.py` servers (gevent) and a real SSE client.

The database is a fresh SQLite file, or with TEST_DATABASE_URL=mysql://…
a fresh `<name>_live` database beside the suite's. Users and servers are
seeded directly; every change under test goes through HTTP.
"""
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import redis
from flask_migrate import upgrade
from httpx_sse import connect_sse

import configuracion
from app import create_app
from app.extensions import db
from app.models import ROLE_MEMBER, Channel
from app.services import servers as server_service
from tests.conftest import PASSWORD, make_user
from tests.databases import fresh_mysql_database

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database_url(tmp_path: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'live.db'}"
    return fresh_mysql_database(url, "live")


class Server:
    """One `python run.py` process."""

    def __init__(self, database_url: str, instance: Path, **env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url, "CHARLA_INSTANCE_DIR": str(instance),
                    "HOST": "127.0.0.1", "PORT": str(self.port), "RATELIMIT_ENABLED": "0",
                    "SECRET_KEY": "live-tests", "PYTHONUNBUFFERED": "1", **env}
        self.process = None
        self.log = instance / f"server-{self.port}.log"

    def start(self) -> "Server":
        with open(self.log, "w") as output:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen([sys.executable, "run.py"], cwd=ROOT, env=self.env,
                                            stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def health(self) -> dict:
        return httpx.get(self.base + "/healthz", timeout=5).json()

    def wait_dispatched(self, event_id: int, seconds: float = 10) -> None:
        """Until this process's hub has dispatched `event_id` (it polls the log each second)."""
        deadline = time.monotonic() + seconds
        while self.health()["dispatched"] < event_id:
            assert time.monotonic() < deadline, f"event {event_id} not dispatched"
            time.sleep(0.05)

    def open_fds(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))


class User:
    """A logged-in HTTP client for one user, with the form token of its session."""

    def __init__(self, server: Server, username: str):
        self.server = server
        self.username = username
        self.http = httpx.Client(base_url=server.base, timeout=10)
        page = self.http.get("/login").text
        self.http.post("/login", data={"login": username, "password": PASSWORD, "csrf_token": token_in(page)})
        page = self.http.get("/")
        assert page.status_code == 200, f"{username} could not log in"
        self.token = token_in(page.text)

    def post(self, channel: Channel, content: str) -> int:
        response = self.http.post(f"/servers/{channel.server_id}/channels/{channel.id}/messages",
                                  data={"content": content}, headers=self.htmx())
        assert response.status_code == 200, response.text
        return int(re.search(r'id="message-(\d+)"', response.text).group(1))

    def edit(self, message_id: int, content: str) -> None:
        response = self.http.post(f"/messages/{message_id}/edit", data={"content": content}, headers=self.htmx())
        assert response.status_code == 200, response.text

    def delete(self, message_id: int) -> None:
        response = self.http.post(f"/messages/{message_id}/delete", headers=self.htmx())
        assert response.status_code == 200, response.text

    def leave(self, server_id: int) -> None:
        response = self.http.post(f"/servers/{server_id}/leave", headers=self.htmx())
        assert response.status_code == 200, response.text

    def page(self, path: str) -> str:
        return self.http.get(path).text

    def htmx(self) -> dict:
        return {"HX-Request": "true", "X-CSRFToken": self.token}

    @contextmanager
    def stream(self, last_event_id: int | None = None, after: int | None = None, timeout: float = 15):
        headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
        params = {"after": after} if after is not None else {}
        with connect_sse(self.http, "GET", "/events/stream", headers=headers, params=params,
                         timeout=httpx.Timeout(timeout, read=timeout)) as source:
            yield Stream(source)

    def close(self) -> None:
        self.http.close()


class Stream:
    """One open stream, read event by event (heartbeat comments are skipped by the parser)."""

    def __init__(self, source):
        self.response = source.response
        self._events = source.iter_sse()

    def next(self):
        """The next event, presence signals left out (any tab opening in a test makes some)."""
        while True:
            sse = self.next_any()
            if sse.event != "charla:presence":
                return sse

    def next_any(self):
        for sse in self._events:
            if sse.data or sse.event != "message":  # as browsers do: no data, no event
                return sse
        raise AssertionError("stream ended")


def token_in(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


class World:
    """The seeded cast: owner ana, member bruno, member carla; outsider oscar; two servers."""

    def __init__(self, database_url: str):
        class Config(configuracion.TestingConfig):
            SQLALCHEMY_DATABASE_URI = database_url

        self.app = create_app(Config)
        with self.app.app_context():
            upgrade()
            ana, bruno, carla, oscar = (make_user(n) for n in ("ana", "bruno", "carla", "oscar"))
            book = server_service.create_server(ana, {"name": "Book Club"})
            other = server_service.create_server(ana, {"name": "Side Room"})
            for user in (bruno, carla):
                server_service.add_member(user, book, role=ROLE_MEMBER)
                server_service.add_member(user, other, role=ROLE_MEMBER)
                db.session.commit()
            lone = server_service.create_server(oscar, {"name": "Oscar's"})
            self.book = server_service.get_channels(book.id)[0]
            self.side = server_service.get_channels(other.id)[0]
            self.lone = server_service.get_channels(lone.id)[0]
            self.ids = {user.username: user.id for user in (ana, bruno, carla, oscar)}
            db.session.remove()


def empty_redis() -> None:
    """Each module's database is new, so its user ids start again at 1: what an earlier module's
    servers left in Redis under those ids (presence, typing, what members were last told) is not
    this world's, and would be read as if it were."""
    url = os.environ.get("REDIS_URL")
    if url:
        client = redis.Redis.from_url(url, socket_timeout=5)
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    empty_redis()
    tmp = tmp_path_factory.mktemp("live")
    url = fresh_database_url(tmp)
    world = World(url)
    return url, tmp, world


@pytest.fixture(scope="module")
def server(live_env):
    url, tmp, _world = live_env
    process = Server(url, tmp).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def world(live_env):
    return live_env[2]


@pytest.fixture(scope="module")
def users(server):
    clients = {name: User(server, name) for name in ("ana", "bruno", "carla", "oscar")}
    yield clients
    for client in clients.values():
        client.close()
