"""Reactions sent at the same moment (a double click, two people on one emoji) against a real server:
every request is answered, none with an error, and the chip counts each person once."""
import threading
from concurrent.futures import ThreadPoolExecutor

from bs4 import BeautifulSoup

ROUNDS = 5


def send_together(senders, message_id: int, state: str) -> list:
    """Every sender posts the same reaction, all released at the same moment."""
    barrier = threading.Barrier(len(senders))

    def send(user):
        barrier.wait()
        return user.http.post(f"/messages/{message_id}/reactions", data={"emoji": "🎉", "state": state},
                              headers=user.htmx())

    with ThreadPoolExecutor(len(senders)) as pool:
        return list(pool.map(send, senders))


def test_the_same_emoji_at_once_by_two_people_twice_each(server, users, world):
    ana, bruno, carla = users["ana"], users["bruno"], users["carla"]
    message_id = ana.post(world.book, "everyone react at once")
    senders = [bruno, bruno, carla, carla]  # each person double-clicks
    for state, expected in [("on", 2), ("off", 0)] * ROUNDS:
        answers = send_together(senders, message_id, state)
        assert [a.status_code for a in answers] == [200] * len(senders), [a.text[:200] for a in answers]
        bar = BeautifulSoup(ana.page(f"/servers/{world.book.server_id}/channels/{world.book.id}"),
                            "html.parser").select_one(f"#reactions-{message_id}")
        counts = [chip.select_one(".chip-count").text for chip in bar.select("button.chip")]
        assert counts == ([str(expected)] if expected else [])
    assert "Traceback" not in server.log.read_text()
