"""Streams are set up a few at a time per process; the others wait their turn holding nothing.

When thousands of tabs reconnect at once (a restart, a network blip) every
stream request would otherwise sign in, read its servers and replay in
parallel: each holds a pooled database connection meanwhile, the pool runs dry,
requests time out with a 503 (a browser's EventSource does not retry those),
and ordinary page loads and posts queue behind the whole storm. Here a stream
request waits, before the app sees it, for one of LIVE_CONCURRENT_OPENINGS
places; setting up takes milliseconds, after which the stream lives on without
holding its place.
"""
import threading  # gevent-patched under run.py and gunicorn: waiting blocks one greenlet only

WAIT_SECONDS = 60  # past this a request goes ahead anyway rather than never being served


class StreamOpenings:
    """WSGI middleware: at most `limit` stream requests of this process inside the app at once."""

    def __init__(self, wsgi_app, path: str, limit: int):
        self.wsgi_app = wsgi_app
        self.path = path
        self.limit = limit
        self.places = threading.BoundedSemaphore(limit)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        entered = self.places.acquire(timeout=WAIT_SECONDS)
        try:
            return self.wsgi_app(environ, start_response)  # returns once the stream is set up
        finally:
            if entered:
                self.places.release()
