"""Carry the news "a new event was committed" between processes.

The table is the truth; the broker only makes delivery fast. Without
REDIS_URL the news stays in this process. With it, every process keeps one
Redis subscription (never one per stream) and wakes its hub on each message.
If Redis is down, publishing logs a warning and the hubs' once-a-second poll
of the table delivers the events anyway.
"""
import logging
import threading
import time

import redis

log = logging.getLogger(__name__)

CHANNEL = "charla:events"


class LocalBroker:
    def __init__(self, hub):
        self.hub = hub

    def start(self) -> None:
        pass

    def publish(self, event_id: int) -> None:
        self.hub.wake()


class RedisBroker(LocalBroker):
    def __init__(self, hub, url: str):
        super().__init__(hub)
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                          health_check_interval=30)
        self.listen_client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

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

    def _listen(self) -> None:
        delay = 0.5
        while True:
            try:
                pubsub = self.listen_client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                delay = 0.5
                # Catch up on whatever was published while we were away.
                self.hub.wake()
                for message in pubsub.listen():
                    if message.get("type") == "message":
                        self.hub.wake()
            except redis.RedisError as error:
                log.warning("Redis subscription lost (%s); retrying in %.1fs", error, delay)
                time.sleep(delay)
                delay = min(delay * 2, 10)
