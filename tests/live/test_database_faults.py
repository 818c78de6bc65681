"""A database connection that dies between commit and dispatch loses no live message.

A TCP proxy (127.0.0.1 only) stands between one `run.py` process and MariaDB.
The test arms it to cut every connection of that process at the first query
reading a message, which is the hub loading the event it is about to dispatch;
the message was committed by another process, connected directly. Every posted
message must then reach the stream of the cut process exactly once, or that
stream gets a resync for it.

Runs when TEST_DATABASE_URL is a MySQL/MariaDB URL. Outside CI it is skipped
when TEST_DATABASE_URL is unset (SQLite has no TCP connection to cut;
tests/test_live_units.py injects the same fault into the hub's read instead).
In CI it never skips: .ci/run leaves it out of the SQLite pass and runs it in
the MariaDB pass, and without a MySQL URL it fails.
"""
import contextlib
import os
import socket
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import Event
from app.services import events as kinds
from tests.live.conftest import Server, User
from tests.live.test_protocol import message_ids

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL") and os.environ.get("CI") != "true",
                                reason="SQLite: no TCP database connection to cut (see the unit tests)")

READS_A_MESSAGE = b"FROM messages"


class CuttingProxy:
    """Forwards TCP to the database; once armed, drops every connection at the first query holding a pattern.

    For `outage` seconds after the cut, new connections are accepted and closed at once.
    """

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.pattern: bytes | None = None
        self.outage = 0.0
        self.down_until = 0.0
        self.cuts = 0
        self.closed = threading.Event()

    def start(self) -> "CuttingProxy":
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()
        return self

    def arm(self, pattern: bytes, outage: float) -> None:
        with self.lock:
            self.pattern, self.outage = pattern, outage

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
        self._drop_all()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            if time.monotonic() < self.down_until:
                client.close()
                continue
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
            client.settimeout(None)
            with self.lock:
                self.sockets |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client and self._trips(data):
                    self._drop_all()
                    return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._forget(source, sink)

    def _trips(self, data: bytes) -> bool:
        with self.lock:
            if self.pattern is None or self.pattern not in data:
                return False
            self.pattern = None
            self.cuts += 1
            self.down_until = time.monotonic() + self.outage
            return True

    def _drop_all(self) -> None:
        with self.lock:
            sockets, self.sockets = self.sockets, set()
        for sock in sockets:
            self._shut(sock)

    def _forget(self, *sockets: socket.socket) -> None:
        with self.lock:
            self.sockets -= set(sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


@pytest.fixture(scope="module")
def proxy(live_env):
    url = make_url(live_env[0])
    assert url.get_backend_name() == "mysql", "the database-fault tests need TEST_DATABASE_URL=mysql://…"
    cutter = CuttingProxy(url.host or "127.0.0.1", url.port or 3306).start()
    yield cutter
    cutter.close()


@pytest.fixture(scope="module")
def behind_proxy(live_env, proxy):
    """A second `run.py` process whose every database connection goes through the proxy."""
    url, tmp, _world = live_env
    proxied = make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    process = Server(proxied, tmp).start()
    yield process
    process.stop()


def created_events(world, after: int) -> dict[int, int]:
    """Message id -> the id of its message.created event."""
    with world.app.app_context():
        rows = db.session.scalars(select(Event).where(Event.id > after, Event.kind == kinds.MESSAGE_CREATED))
        found = {event.payload["message_id"]: event.id for event in rows}
        db.session.remove()
    return found


def post_through_a_cut(server, behind_proxy, proxy, world, outage: float) -> tuple[list[int], list]:
    """Ana posts 30 messages on the direct process; the 10th is read when the proxy cuts Bruno's process."""
    ana, bruno = User(server, "ana"), User(behind_proxy, "bruno")
    cuts = proxy.cuts
    with bruno.stream(timeout=20) as source:
        posted = []
        for i in range(30):
            if i == 9:
                proxy.arm(READS_A_MESSAGE, outage)
            posted.append(ana.post(world.book, f"through the cut {i}"))
        frames = []
        while not frames or message_ids(frames[-1]) != [posted[-1]]:
            assert len(frames) < 100, "more frames than messages"
            frames.append(source.next())
    ana.close()
    bruno.close()
    assert proxy.cuts == cuts + 1, "the proxy never saw the hub read a message"
    return posted, frames


def assert_each_arrived_once_or_resynced(world, posted: list[int], frames: list) -> list[int]:
    """Returns the event ids that were resynced."""
    event_of = created_events(world, 0)
    arrived = [m for sse in frames if sse.event == "message" for m in message_ids(sse)]
    resynced = [int(sse.id) for sse in frames if sse.event == "charla:resync"]
    assert all(sse.event in ("message", "charla:resync") for sse in frames), [sse.event for sse in frames]
    for message_id in posted:
        if event_of[message_id] in resynced:
            assert message_id not in arrived
        else:
            assert arrived.count(message_id) == 1, f"message {message_id} arrived {arrived.count(message_id)} times"
    ids = [int(sse.id) for sse in frames]
    assert ids == sorted(set(ids))
    return resynced


def test_a_short_cut_is_retried_and_every_message_arrives_once(server, behind_proxy, proxy, world):
    posted, frames = post_through_a_cut(server, behind_proxy, proxy, world, outage=0.2)
    assert assert_each_arrived_once_or_resynced(world, posted, frames) == []
    assert [m for sse in frames for m in message_ids(sse)] == posted


def test_an_outage_longer_than_the_retries_resyncs_and_the_stream_goes_on(server, behind_proxy, proxy, world):
    posted, frames = post_through_a_cut(server, behind_proxy, proxy, world, outage=3)
    resynced = assert_each_arrived_once_or_resynced(world, posted, frames)
    assert resynced, "the cut message neither arrived nor was resynced"
    assert message_ids(frames[-1]) == [posted[-1]]
