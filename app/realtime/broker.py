"""Carry the news "a new event was committed", and ephemeral signals, between processes.

The table is the truth; the broker only makes delivery fast. Without
REDIS_URL the news stays in this process. With it, every process keeps one
Redis subscription (never one per stream) and wakes its hub on each message.
If Redis is down, publishing logs a warning and the hubs' once-a-second poll
of the table delivers the events anyway.

Signals (typing, presence: app/realtime/signals.py) travel whole on a channel
of their own and are not kept anywhere: one lost while Redis is down is gone.
"""
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field

import redis

from app.realtime.render import sse_frame

log = logging.getLogger(__name__)

CHANNEL = "charla:events"
SIGNALS = "charla:signals"


@dataclass
class Signal:
    """Something for the open tabs of some servers' members (not the sender's own), carried once."""

    kind: str
    server_ids: list[int]
    user_id: int
    data: dict = field(default_factory=dict)

    def frame(self) -> str:
        return sse_frame(None, json.dumps(self.data, separators=(",", ":")), f"charla:{self.kind}")

    def to_json(self, origin: str) -> str:
        return json.dumps({"origin": origin, "kind": self.kind, "server_ids": self.server_ids,
                           "user_id": self.user_id, "data": self.data}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> tuple[str, "Signal"]:
        raw = json.loads(text)
        return str(raw["origin"]), cls(str(raw["kind"]), [int(s) for s in raw["server_ids"]], int(raw["user_id"]),
                                       dict(raw["data"]))


class LocalBroker:
    def __init__(self, hub):
        self.hub = hub

    def start(self) -> None:
        pass

    def publish(self, event_id: int) -> None:
        self.hub.wake()

    def signal(self, signal: Signal) -> None:
        self.hub.signal(signal)


class RedisBroker(LocalBroker):
    def __init__(self, hub, url: str):
        super().__init__(hub)
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                          health_check_interval=30)
        self.listen_client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.origin = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"  # this process: its own signals come back

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._listen, name="charla-redis", daemon=True)
                self._thread.start()

    def publish(self, event_id: int) -> None:
        self.hub.wake()
        try:
            self.redis.publish(CHANNEL, str(event_id))
        except redis.RedisError as error:
            log.warning("Could not publish event %s to Redis (%s); other processes poll the log", event_id, error)

    def signal(self, signal: Signal) -> None:
        self.hub.signal(signal)
        try:
            self.redis.publish(SIGNALS, signal.to_json(self.origin))
        except redis.RedisError as error:
            log.warning("Could not publish a %s signal to Redis (%s); other processes miss it", signal.kind, error)

    def _receive_signal(self, data) -> None:
        try:
            origin, signal = Signal.from_json(data)
        except (ValueError, KeyError, TypeError):
            log.warning("Ignored a malformed signal: %r", data[:200])
            return
        if origin != self.origin:
            self.hub.signal(signal)

    def _listen(self) -> None:
        delay = 0.5
        while True:
            try:
                pubsub = self.listen_client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL, SIGNALS)
                delay = 0.5
                # Catch up on whatever was published while we were away.
                self.hub.wake()
                for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    if message.get("channel") in (SIGNALS, SIGNALS.encode()):
                        self._receive_signal(message["data"])
                    else:
                        self.hub.wake()
            except redis.RedisError as error:
                log.warning("Redis subscription lost (%s); retrying in %.1fs", error, delay)
                time.sleep(delay)
                delay = min(delay * 2, 10)
