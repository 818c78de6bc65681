"""Attachments on the live stream: a message's files reach every member's open tab, come back in the
replay after a reconnect, and go when the message is deleted; an outsider receives none of it."""
import re

from bs4 import BeautifulSoup

from tests.attachment_files import png
from tests.live.test_protocol import next_with


def post_files(user, channel, content: str, files: list[tuple[str, bytes]]) -> int:
    response = user.http.post(f"/servers/{channel.server_id}/channels/{channel.id}/messages",
                              data={"content": content}, files=[("files", item) for item in files],
                              headers=user.htmx())
    assert response.status_code == 200, response.text[:500]
    return int(re.search(r'id="message-(\d+)"', response.text).group(1))


def attachment_links(frame) -> list[str]:
    page = BeautifulSoup(frame.data, "html.parser")
    return [a["href"] for a in page.select(".attachments a")]


def test_files_arrive_live_and_in_the_replay_and_members_can_fetch_them(server, users, world):
    ana, bruno, oscar = users["ana"], users["bruno"], users["oscar"]
    with bruno.stream() as source:
        message_id = post_files(ana, world.book, "the plan", [("plan.png", png(64, 48)), ("plan.txt", b"step 1")])
        frame = next_with(source, f"message-{message_id}")
        last_seen = int(frame.id)
    links = attachment_links(frame)
    assert [link.rsplit("/", 1)[1] for link in links] == ["plan.png", "plan.txt"]
    assert 'width="64" height="48"' in frame.data
    for link in links:
        assert bruno.http.get(link).status_code == 200
        assert oscar.http.get(link).status_code == 404  # not a member of the book club

    missed = post_files(ana, world.book, "", [("later.txt", b"missed while away")])
    with bruno.stream(last_event_id=last_seen) as source:
        replayed = next_with(source, f"message-{missed}")
    assert [link.rsplit("/", 1)[1] for link in attachment_links(replayed)] == ["later.txt"]

    ana.delete(message_id)
    for link in links:
        assert bruno.http.get(link).status_code == 404
