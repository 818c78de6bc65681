"""What the chat page costs on the wire: a cold load within budget, a warm reload that fetches nothing again.

Bytes are counted by Chromium itself (DevTools Network events): every response's
encoded body and headers as received, the live stream's bytes up to the moment
of measuring included.
"""
import time

from playwright.sync_api import Page, expect

import configuracion
from app import create_app
from app.extensions import db
from app.models import Channel, Event, User
from app.services import messages as message_service
from tests.browser.test_chat_flow import create_server, register, unique

# 45 KB until rich messages (issue 12) added four small scripts (formatting,
# replies, reactions, the composer's tools: ~4 KB with their headers) and
# Reply / React controls on every message; 50 KB until attachments (issue 13)
# added attachments.js (paste, drop, previews, progress, the viewer: 3 KB);
# 54 KB until direct messages and moderation (issues 14, 15: the Direct
# messages entry, the composer's timeout and slow-mode lines, their CSS, and
# variation between runs measured at up to ~100 B). Bundling our fourteen
# small scripts into one response would save ~4 KB of headers: not done yet.
COLD_BUDGET = 56 * 1024
MESSAGES = 50
STREAM_PATH = "/events/stream"
SETTLE_TIMEOUT = 10.0

LINES = [
    "Morning! Did anyone try the new build on a phone yet?",
    "Yes, it works. The drawer opens from the left and the composer stays above the keyboard.",
    "Great. I will look at the notifications panel after lunch.",
    "Can someone review the change to the invite flow? It is small: two templates and a test.",
    "Done, left two comments. Looks good otherwise.",
]


def seed_messages(database_url: str, username: str, server_id: int, count: int) -> int:
    """`count` messages in the server's first channel, through the service as if posted; the last event id."""
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(Config)
    with app.test_request_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        channel = db.session.scalar(db.select(Channel).where(Channel.server_id == server_id))
        for index in range(count):
            message_service.send_message(user, server_id, channel.id, f"{LINES[index % len(LINES)]} ({index})", None)
        last_event = db.session.scalar(db.select(db.func.max(Event.id)))
        db.session.remove()
    return last_event


def wait_dispatched(page: Page, event_id: int) -> None:
    """Until the app has taken in events written by another process (it reads the log each second)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while page.request.get("/healthz").json()["dispatched"] < event_id:
        assert time.monotonic() < deadline, f"event {event_id} not dispatched"
        page.wait_for_timeout(50)


class Traffic:
    """Responses of one page as DevTools reports them: URL, bytes on the wire, whether they came from a cache."""

    def __init__(self, page: Page):
        self.cdp = page.context.new_cdp_session(page)
        self.requests: dict[str, dict] = {}
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.requestServedFromCache", self._cached)
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.dataReceived", self._data)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.send("Network.enable")

    def _sent(self, event):
        self.requests[event["requestId"]] = {"url": event["request"]["url"], "bytes": 0, "cached": False,
                                             "finished": False, "status": None}

    def _entry(self, event):
        return self.requests.setdefault(event["requestId"], {"url": "?", "bytes": 0, "cached": False,
                                                             "finished": False, "status": None})

    def _cached(self, event):
        self._entry(event)["cached"] = True

    def _response(self, event):
        entry, response = self._entry(event), event["response"]
        entry["status"] = response["status"]
        entry["cached"] = entry["cached"] or response.get("fromDiskCache") or response.get("fromPrefetchCache")
        entry["header_bytes"] = response.get("encodedDataLength", 0)

    def _data(self, event):
        entry = self._entry(event)
        if not entry["finished"]:  # loadingFinished gives the final total for finished ones
            entry["streamed"] = entry.get("streamed", 0) + event["encodedDataLength"]

    def _finished(self, event):
        entry = self._entry(event)
        entry["finished"] = True
        entry["bytes"] = event["encodedDataLength"]

    def clear(self) -> None:
        self.requests.clear()

    def wire_bytes(self, entry) -> int:
        if entry["finished"]:
            return entry["bytes"]
        return entry.get("header_bytes", 0) + entry.get("streamed", 0)

    def from_network(self) -> list[dict]:
        return [entry for entry in self.requests.values() if not entry["cached"]]

    def total(self) -> int:
        return sum(self.wire_bytes(entry) for entry in self.from_network())

    def wait_until_settled(self, page: Page) -> None:
        """Until the stream has answered and every other response has finished loading."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            entries = list(self.requests.values())
            stream_open = any(STREAM_PATH in e["url"] and e["status"] == 200 for e in entries)
            others_done = all(e["finished"] or STREAM_PATH in e["url"] for e in entries)
            if stream_open and others_done:
                return
            assert time.monotonic() < deadline, f"the page did not settle: {entries}"
            page.wait_for_timeout(25)  # lets Playwright deliver the DevTools events

    def report(self, label: str) -> str:
        lines = [f"{label}: {self.total()} bytes in {len(self.from_network())} responses from the network"]
        for entry in self.requests.values():
            origin = "cache" if entry["cached"] else f"{self.wire_bytes(entry)} B"
            lines.append(f"  {entry['status']} {origin:>9} {entry['url']}")
        return "\n".join(lines)


def test_chat_page_is_light_cold_and_fetches_nothing_again_warm(new_context, live_database):
    page = new_context().new_page()
    username = register(page, unique("weight"))
    server_path = create_server(page, unique("Weights "))
    page.goto("/")  # leave the channel: the measured load starts from elsewhere
    wait_dispatched(page, seed_messages(live_database, username, int(server_path.rsplit("/", 1)[1]), MESSAGES))

    traffic = Traffic(page)
    traffic.cdp.send("Network.clearBrowserCache")
    traffic.clear()
    page.goto(server_path)
    expect(page.locator("#message-list .message")).to_have_count(MESSAGES)
    traffic.wait_until_settled(page)
    cold = traffic.report("cold load")
    print("\n" + cold)  # noqa: T201 - the figures are the report (pytest -s shows them)
    cold_total = traffic.total()
    assert all(entry["status"] == 200 for entry in traffic.from_network()), cold

    traffic.clear()
    page.reload()
    expect(page.locator("#message-list .message")).to_have_count(MESSAGES)
    traffic.wait_until_settled(page)
    warm = traffic.report("warm reload")
    print(warm)  # noqa: T201

    assert cold_total <= COLD_BUDGET, f"the chat page with {MESSAGES} messages weighs {cold_total} bytes:\n{cold}"
    fetched = sorted(entry["url"].split("?")[0].removeprefix(page.url.split("/servers")[0])
                     for entry in traffic.from_network())
    assert fetched == sorted([server_path, STREAM_PATH]), warm
