"""Several processes in step through Redis, and what happens when things fail.

Each test runs its own redis-server on a free port, so stopping it touches
nothing else. The servers poll the events log only once a minute here, so a
delivery across processes in time can only have come through Redis.
"""
import os
import shutil
import socket
import subprocess
import time

import pytest

from tests.live.conftest import Server, User, free_port
from tests.live.test_presence import next_presence


class PrivateRedis:
    def __init__(self):
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("CI") == "true":
                pytest.fail("redis-server is not installed")
            pytest.skip("redis-server is not installed")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture(scope="module")
def redis_server():
    redis = PrivateRedis().start()
    yield redis
    redis.stop()


@pytest.fixture(scope="module")
def pair(live_env, redis_server):
    """Two server processes on one database and one Redis."""
    url, tmp, _world = live_env
    env = {"REDIS_URL": redis_server.url, "LIVE_POLL_SECONDS": "60", "LIVE_HEARTBEAT_SECONDS": "1",
           "LIVE_MAX_STREAMS_PER_USER": "1000"}
    first, second = Server(url, tmp, **env).start(), Server(url, tmp, **env).start()
    yield first, second
    first.stop()
    second.stop()


def test_a_message_posted_through_one_process_reaches_a_stream_on_the_other(pair, world):
    first, second = pair
    ana, bruno = User(first, "ana"), User(second, "bruno")
    with bruno.stream(timeout=10) as source:
        message_id = ana.post(world.book, "across processes")
        frame = source.next()
    assert f'id="message-{message_id}"' in frame.data


def test_redis_down_then_back_loses_nothing(pair, world, redis_server):
    first, second = pair
    ana, carla_here, bruno_there = User(first, "ana"), User(first, "carla"), User(second, "bruno")
    with bruno_there.stream(timeout=10) as source:
        warm = ana.post(world.side, "before the outage")
        frame = source.next()
    assert f'id="message-{warm}"' in frame.data
    last_id = int(frame.id)
    redis_server.stop()
    try:
        with carla_here.stream(timeout=10) as same_process:
            during = [ana.post(world.side, f"during the outage {i}") for i in range(5)]
            seen_here = [same_process.next().data for _ in during]
        assert all(f'id="message-{m}"' in frame for m, frame in zip(during, seen_here, strict=True))
    finally:
        redis_server.start()
    after = ana.post(world.side, "after the outage")
    with bruno_there.stream(last_event_id=last_id, timeout=30) as source:
        frames = [source.next() for _ in range(len(during) + 1)]
    received = [frame.data for frame in frames]
    for message_id, frame in zip(during + [after], received, strict=True):
        assert f'id="message-{message_id}"' in frame
    ids = [int(frame.id) for frame in frames]
    assert ids == sorted(set(ids))


def test_live_delivery_after_redis_returns(pair, world):
    """The second process's subscription came back by itself (no reconnect by the client)."""
    first, second = pair
    ana, bruno = User(first, "ana"), User(second, "bruno")
    with bruno.stream(timeout=20) as source:
        message_id = ana.post(world.book, "redis is back")
        assert f'id="message-{message_id}"' in source.next().data


def storm(server: Server, cookie: str, count: int) -> None:
    """Open `count` streams, wait for their first bytes, drop them all."""
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(f"GET /events/stream HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
        sockets.append(sock)
    for sock in sockets:
        assert sock.recv(64).startswith(b"HTTP/1.1 200")
    for sock in sockets:
        sock.close()


def settle(server: Server, streams: int, fds: int, seconds: float = 20) -> tuple[int, int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = server.health()["streams"], server.open_fds()
        if now[0] <= streams and now[1] <= fds:
            break
        time.sleep(0.2)
    return server.health()["streams"], server.open_fds()


def test_disconnect_storm_returns_to_baseline(pair, world):
    first, _second = pair
    bruno = User(first, "bruno")
    cookie = "; ".join(f"{name}={value}" for name, value in bruno.http.cookies.items())
    baseline_streams = first.health()["streams"]
    # The first storm also fills the database pool to its working size.
    storm(first, cookie, 100)
    streams, baseline_fds = settle(first, baseline_streams, first.open_fds())
    assert streams == baseline_streams
    storm(first, cookie, 300)
    streams, fds = settle(first, baseline_streams, baseline_fds + 5)
    # The database pool may keep up to pool_size (5) connections open between
    # storms; a leak of the 300 streams' sockets would be far above that.
    assert streams == baseline_streams and fds <= baseline_fds + 5


def test_a_stalled_reader_does_not_slow_the_others(pair, world):
    first, _second = pair
    ana, bruno, carla = User(first, "ana"), User(first, "bruno"), User(first, "carla")
    cookie = "; ".join(f"{name}={value}" for name, value in carla.http.cookies.items())
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(("127.0.0.1", first.port))
    stalled.sendall(f"GET /events/stream HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
    try:
        with bruno.stream(timeout=10) as source:
            posted = [ana.post(world.book, f"{i} " + "x" * 3500) for i in range(60)]
            frames = [source.next() for _ in posted]
        assert all(f'id="message-{m}"' in frame.data for m, frame in zip(posted, frames, strict=True))
    finally:
        stalled.close()


def test_typing_crosses_processes_through_redis_without_the_events_table(pair, world):
    first, second = pair
    ana, bruno = User(first, "ana"), User(second, "bruno")
    with bruno.stream(timeout=10) as source:
        response = ana.http.post(f"/servers/{world.book.server_id}/channels/{world.book.id}/typing",
                                 headers=ana.htmx())
        assert response.status_code == 204
        frame = source.next()
    assert frame.event == "charla:typing" and '"name":"Ana"' in frame.data


def test_presence_crosses_processes_and_a_killed_process_stops_counting(live_env, redis_server, world):
    """Ana's tab is on a process that is killed: Bruno, on the other, sees her offline within the TTL."""
    url, tmp, _world = live_env
    env = {"REDIS_URL": redis_server.url, "LIVE_POLL_SECONDS": "60", "PRESENCE_TTL_SECONDS": "3",
           "PRESENCE_REFRESH_SECONDS": "0.5"}
    doomed, survivor = Server(url, tmp, **env).start(), Server(url, tmp, **env).start()
    try:
        ana, bruno = User(doomed, "ana"), User(survivor, "bruno")
        with bruno.stream(timeout=15) as watching:
            with ana.stream(timeout=15):
                assert next_presence(watching, world.ids["ana"], "online")
                doomed.process.kill()  # no goodbye: the stream, the process and its presence die together
                killed_at = time.monotonic()
            assert next_presence(watching, world.ids["ana"], "offline")
            assert time.monotonic() - killed_at < 3 + 2  # the TTL, and a sweep
    finally:
        doomed.stop()
        survivor.stop()
