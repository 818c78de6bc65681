"""A storm of stream requests is let into the app a few at a time (app/realtime/openings.py)."""
import threading
import time

from app.realtime.openings import StreamOpenings


class SlowApp:
    """A WSGI app that counts how many requests are inside it at once."""

    def __init__(self):
        self.inside = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        time.sleep(0.02)
        with self.lock:
            self.inside -= 1
        return [environ["PATH_INFO"].encode()]


def call_many(app, requests):
    answers = []
    threads = [threading.Thread(target=lambda env=env: answers.append(app(env, None))) for env in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return answers


def test_at_most_the_limit_of_streams_are_set_up_at_once_and_all_are_served():
    inner = SlowApp()
    app = StreamOpenings(inner, "/events/stream", 3)
    answers = call_many(app, [{"PATH_INFO": "/events/stream", "REQUEST_METHOD": "GET"}] * 20)
    assert answers == [[b"/events/stream"]] * 20
    assert inner.most == 3


def test_other_requests_do_not_wait_for_a_place():
    inner = SlowApp()
    app = StreamOpenings(inner, "/events/stream", 1)
    answers = call_many(app, [{"PATH_INFO": "/servers/1/channels/2/messages", "REQUEST_METHOD": "POST"}] * 10
                        + [{"PATH_INFO": "/events/stream", "REQUEST_METHOD": "POST"}] * 2)
    assert len(answers) == 12
    assert inner.most > 1


def test_the_app_gates_its_stream_route(app):
    gate = app.wsgi_app
    while not isinstance(gate, StreamOpenings):
        gate = gate.wsgi_app
    assert gate.path == "/events/stream"
    assert gate.limit == app.config["LIVE_CONCURRENT_OPENINGS"]
