"""A reconnect storm against a cold production server: every stream connects, nothing is lost.

The documented production command (gunicorn, gevent workers) is started on
the suite's database (MariaDB with Redis in CI's second pass) and, before it
has answered a single request, STREAMS streams open at once: what a restart
with many open tabs looks like. Then messages are posted and every stream
must receive each one exactly once. Not timed: only "connected" and "exactly
once" are asserted, each wait bounded.
"""
import asyncio
import os
import re
import secrets
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

import configuracion
from app import create_app
from app.extensions import db
from app.models import Event, User, UserSession, utcnow
from app.services import events as kinds
from app.services import sessions
from tests.live.conftest import ROOT, free_port
from tests.live.conftest import User as LiveUser

STREAMS = 300
MESSAGES = 5
READERS = ("bruno", "carla", "ana")  # members of the Book Club, where Ana posts
SECRET_KEY = "storm-tests"
EVENT_ID = re.compile(rb"^id: (\d+)$", re.M)


class Gunicorn:
    """The README's production command, on a free port."""

    def __init__(self, database_url: str, instance, workers: int = 2):
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = instance / f"gunicorn-{self.port}.log"
        self.argv = [str(ROOT / ".venv/bin/gunicorn") if (ROOT / ".venv/bin/gunicorn").exists() else "gunicorn",
                     "-c", "gunicorn.conf.py", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "run:app"]
        self.env = {**os.environ, "DATABASE_URL": database_url, "CHARLA_INSTANCE_DIR": str(instance),
                    "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": "0", "LIVE_MAX_STREAMS_PER_USER": str(STREAMS)}
        self.process = None

    def start(self) -> "Gunicorn":
        with open(self.log, "w") as output:
            self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # no request is sent, so nothing in the workers is warmed
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            if self.log.read_text().count("Booting worker") >= self.workers and self.accepts() and self.idle():
                return self
            time.sleep(0.05)
        raise AssertionError(f"gunicorn did not start: {self.log.read_text()[-3000:]}")

    def accepts(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def idle(self) -> bool:
        """The workers have imported the app: their CPU time stands still for half a second."""
        before = self.cpu_ticks()
        time.sleep(0.5)
        return self.cpu_ticks() == before

    def cpu_ticks(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        total = 0
        for pid in [self.process.pid, *map(int, children)]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def session_cookies(database_url: str) -> dict[str, str]:
    """A signed-in session per reader, minted as a login would (no request to the cold server)."""
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    Config.SECRET_KEY = SECRET_KEY
    app = create_app(Config)
    cookies = {}
    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)
        for name in READERS:
            user = db.session.scalar(select(User).where(User.username_key == name))
            secret = secrets.token_urlsafe(32)
            db.session.add(UserSession(user_id=user.id, secret_hash=sessions.hash_secret(secret), user_agent="storm",
                                       ip="127.0.0.1", created_at=utcnow(), last_seen_at=utcnow()))
            cookies[name] = serializer.dumps({"_user_id": f"{user.id}:{secret}", "_fresh": True})
        db.session.commit()
        db.session.remove()
    return cookies


class StormStream:
    """One raw SSE connection: its status, and every event id it has read."""

    def __init__(self, cookie: str):
        self.cookie = cookie
        self.status = None
        self.buffer = b""
        self.error = None
        self.connected = asyncio.Event()

    async def run(self, port: int, done: asyncio.Event) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET /events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                         f"Cookie: session={self.cookie}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            self.status = int(head.split(b" ", 2)[1])
            if self.status != 200:
                raise RuntimeError(head.decode(errors="replace").splitlines()[0])
            while not done.is_set():
                try:
                    chunk = await asyncio.wait_for(reader.read(65536), timeout=0.5)
                except TimeoutError:
                    continue  # idle between messages: look at `done` and read on
                if not chunk:
                    raise RuntimeError("the server closed the stream")
                self.buffer += chunk
                if b"retry:" in self.buffer:
                    self.connected.set()
            writer.close()
        except (OSError, RuntimeError, asyncio.IncompleteReadError) as error:
            self.error = repr(error)
            self.connected.set()

    def event_ids(self) -> list[int]:
        return [int(match) for match in EVENT_ID.findall(self.buffer)]


async def storm(port: int, cookies: list[str], post, timeout: float = 90) -> list[StormStream]:
    """Open every stream at once, wait until all are connected, post, read until each has every message."""
    streams = [StormStream(cookie) for cookie in cookies]
    done = asyncio.Event()
    tasks = [asyncio.create_task(stream.run(port, done)) for stream in streams]
    try:
        await asyncio.wait_for(asyncio.gather(*(stream.connected.wait() for stream in streams)), timeout)
    except TimeoutError:
        for stream in streams:
            if not stream.connected.is_set():
                stream.error = f"not connected within {timeout:.0f} s"
    if not any(stream.error for stream in streams):
        expected = await asyncio.to_thread(post)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(set(expected) <= set(s.event_ids()) for s in streams):
            await asyncio.sleep(0.2)
    done.set()
    for task in tasks:
        task.cancel()  # a stream still waiting for its answer
    await asyncio.gather(*tasks, return_exceptions=True)
    return streams


@pytest.fixture
def cold_gunicorn(live_env):
    url, tmp, _world = live_env
    server = Gunicorn(url, tmp)
    yield server
    server.stop()


def test_a_cold_production_server_takes_a_storm_of_streams_and_loses_nothing(live_env, cold_gunicorn):
    url, _tmp, world = live_env
    cookies = session_cookies(url)
    cold_gunicorn.start()
    posted: list[int] = []
    health: list[dict] = []

    def post() -> list[int]:
        """Ana posts MESSAGES messages once every stream is open; the ids of their events."""
        health.append(httpx.get(cold_gunicorn.base + "/healthz", timeout=5).json())  # one worker's view
        ana = LiveUser(cold_gunicorn, "ana")
        try:
            message_ids = [ana.post(world.book, f"after the storm {i}") for i in range(MESSAGES)]
        finally:
            ana.close()
        with world.app.app_context():
            rows = db.session.scalars(select(Event).where(Event.kind == kinds.MESSAGE_CREATED)).all()
            posted.extend(event.id for event in rows if event.payload.get("message_id") in message_ids)
            db.session.remove()
        return posted

    readers = [cookies[READERS[i % len(READERS)]] for i in range(STREAMS)]
    # A thread of its own: Playwright's sync API (the browser tests) leaves this thread's event loop marked running.
    with ThreadPoolExecutor(1) as runner:
        streams = runner.submit(asyncio.run, storm(cold_gunicorn.port, readers, post)).result()

    failed = [(stream.status, stream.error) for stream in streams if stream.error or stream.status != 200]
    assert failed == [], f"{len(failed)} of {STREAMS} streams failed, e.g. {failed[:3]}"
    assert len(posted) == MESSAGES
    # The documented worker (app/gunicorn_worker.py) hands each stream its socket: no greenlet per stream.
    assert health[0]["streams"] > 0 and health[0]["socket_streams"] == health[0]["streams"], health
    for stream in streams:
        assert [event_id for event_id in stream.event_ids() if event_id in posted] == posted
