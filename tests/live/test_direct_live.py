"""Direct messages on the live stream: a conversation started while a tab is open reaches it without a
reconnect; its messages reach its people only (not their fellow server members, not outsiders), come back
in the replay after a reconnect, and mark the "Direct messages" entry unread."""
import re

from tests.live.test_protocol import next_with


def open_conversation(user, to: str) -> tuple[int, int]:
    """Start (or find) the conversation through the form; its server and channel ids."""
    response = user.http.post("/dms", data={"to": to}, headers=user.htmx())
    assert response.status_code == 200, response.text[:300]
    server_id = int(re.fullmatch(r"/servers/(\d+)", response.headers["HX-Redirect"]).group(1))
    page = user.page(f"/servers/{server_id}")
    return server_id, int(re.search(r'id="message-list"[^>]*data-channel-id="(\d+)"', page).group(1))


def post(user, server_id: int, channel_id: int, content: str) -> int:
    response = user.http.post(f"/servers/{server_id}/channels/{channel_id}/messages", data={"content": content},
                              headers=user.htmx())
    assert response.status_code == 200, response.text[:300]
    return int(re.search(r'id="message-(\d+)"', response.text).group(1))


def frames_until(source, marker: str, limit: int = 20) -> list:
    frames = []
    for _ in range(limit):
        frames.append(source.next())
        if marker in frames[-1].data:
            return frames
    raise AssertionError(f"no frame with {marker!r} in the next {limit}")


def test_a_conversation_reaches_its_people_only_and_replays(server, users, world):
    ana, bruno, carla, oscar = users["ana"], users["bruno"], users["carla"], users["oscar"]
    with bruno.stream() as bruno_tab, carla.stream() as carla_tab, oscar.stream() as oscar_tab:
        server_id, channel_id = open_conversation(ana, "bruno")
        joined = next_with(bruno_tab, "#servers-column")  # his tab follows the new conversation
        assert joined.event == "charla:servers"
        message_id = post(ana, server_id, channel_id, "just between us")
        frame = next_with(bruno_tab, f"message-{message_id}")
        assert "just between us" in frame.data
        assert 'hx-target="#dms-unread-all"' in frame.data
        assert re.search(r'id="dms-unread-all" class="unread-flag">', frame.data)
        last_seen = int(frame.id)
        # Everyone else hears the next public message and never the private one.
        marker = ana.post(world.book, "public marker")
        assert all("just between us" not in f.data for f in frames_until(carla_tab, f"message-{marker}"))
        oscar_marker = oscar.post(world.lone, "oscar's own marker")
        assert all("just between us" not in f.data for f in frames_until(oscar_tab, f"message-{oscar_marker}"))

    missed = post(ana, server_id, channel_id, "while you were away")
    with bruno.stream(last_event_id=last_seen) as bruno_tab:
        replayed = next_with(bruno_tab, f"message-{missed}", limit=10)
    assert "while you were away" in replayed.data
    # An outsider asking for the conversation's page or posting to it learns nothing.
    assert oscar.http.get(f"/servers/{server_id}").status_code == 404
    assert oscar.http.post(f"/servers/{server_id}/channels/{channel_id}/messages", data={"content": "hi"},
                           headers=oscar.htmx()).status_code == 404


def test_a_closed_conversation_comes_back_to_the_list_when_someone_writes(server, users, world):
    ana, carla = users["ana"], users["carla"]
    server_id, channel_id = open_conversation(ana, "carla")
    closed = carla.http.post(f"/dms/{server_id}/close", headers=carla.htmx())
    assert closed.status_code == 200 and closed.headers["HX-Redirect"] == "/dms"
    assert f'id="conversation-link-{server_id}"' not in carla.page("/dms")
    with carla.stream() as carla_tab:
        message_id = post(ana, server_id, channel_id, "are you there?")
        back = next_with(carla_tab, "#conversation-list")  # her open list redraws
        assert back.event == "charla:servers" and '"refresh": ["#channels-column"]' in back.data
        assert "are you there?" in next_with(carla_tab, f"message-{message_id}").data
    assert f'id="conversation-link-{server_id}"' in carla.page("/dms")
