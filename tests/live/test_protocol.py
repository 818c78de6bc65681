"""The stream's promises, checked with a real SSE client against a real server."""
import json
import time

from bs4 import BeautifulSoup
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import Event


def message_ids(sse) -> list[int]:
    return [int(a["id"].split("-")[1]) for a in BeautifulSoup(sse.data, "html.parser").select("article")]


def test_stream_starts_at_once_with_sse_headers(server, users):
    started = time.monotonic()
    # Compression accepted, as every browser does: the stream must still go out uncompressed, frame by frame.
    with users["bruno"].http.stream("GET", "/events/stream", timeout=10,
                                    headers={"Accept-Encoding": "br, gzip, deflate, zstd"}) as response:
        first = next(response.iter_raw())
        elapsed = time.monotonic() - started
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-accel-buffering"] == "no"
        assert "no-cache" in response.headers["cache-control"]
        assert "content-encoding" not in response.headers
    assert first.startswith(b"retry: ")
    assert elapsed < 2


def test_ids_increase_and_each_message_arrives_once(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    with bruno.stream() as source:
        sent = [ana.post(world.book, f"hello {i}") for i in range(5)]
        received = [source.next() for _ in range(5)]
    ids = [int(sse.id) for sse in received]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert [message_ids(sse) for sse in received] == [[m] for m in sent]


def test_replay_after_last_event_id_is_exact(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    with bruno.stream() as source:
        first = [ana.post(world.book, f"before {i}") for i in range(3)]
        seen = [source.next() for _ in first]
    last_seen = int(seen[-1].id)
    missed = [ana.post(world.book, f"missed {i}") for i in range(50)]
    with bruno.stream(last_event_id=last_seen) as source:
        replayed = [source.next() for _ in missed]
        ana.post(world.side, "live again")
        live = source.next()
    assert [message_ids(sse)[0] for sse in replayed] == missed
    assert [int(sse.id) for sse in replayed] == sorted({int(sse.id) for sse in replayed})
    assert int(replayed[0].id) > last_seen
    assert int(live.id) > int(replayed[-1].id)


def test_first_connect_replays_from_the_page_cursor(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    page = bruno.page(f"/servers/{world.book.server_id}/channels/{world.book.id}")
    cursor = int(page.split('data-cursor="')[1].split('"')[0])
    posted = ana.post(world.book, "while the page was loading")
    with bruno.stream(after=cursor) as source:
        first = source.next()
        if not message_ids(first):  # opening the channel read it: that comes first
            assert 'hx-target="#channel-unread-' in first.data
            first = source.next()
        assert message_ids(first) == [posted]


def test_too_old_an_id_gives_one_resync(server, users, world):
    with world.app.app_context():
        start = db.session.scalar(select(func.max(Event.id)))
        db.session.execute(insert(Event), [{"kind": "message.deleted", "server_id": world.book.server_id,
                                            "channel_id": world.book.id, "payload": {"message_id": 0}}
                                           for _ in range(600)])
        db.session.commit()
        end = db.session.scalar(select(func.max(Event.id)))
        db.session.remove()
    server.wait_dispatched(end)  # inserted behind the server's back: its hub polls the log
    with users["bruno"].stream(last_event_id=start) as source:
        first = source.next()
        users["ana"].post(world.book, "after the resync")
        second = source.next()
    assert first.event == "charla:resync"
    assert int(first.id) >= end
    assert second.event == "message" and int(second.id) > int(first.id)


def test_outsider_never_gets_events_of_other_servers(server, users, world):
    ana, oscar = users["ana"], users["oscar"]
    with oscar.stream() as source:
        for i in range(3):
            ana.post(world.book, f"private {i}")
        sentinel = oscar.post(world.lone, "mine")
        received = source.next()
    assert message_ids(received) == [sentinel]


def test_a_member_who_leaves_gets_nothing_more_from_that_server(server, users, world, live_env):
    ana, carla = users["ana"], users["carla"]
    with carla.stream() as source:
        carla.leave(world.book.server_id)
        removed = source.next()
        ana.post(world.book, "carla should not see this")
        sentinel = ana.post(world.side, "but this she sees")
        after = source.next()
    assert removed.event == "charla:removed"
    sid = world.book.server_id
    assert json.loads(removed.data) == [{"when": f'#channels-column[data-server-id="{sid}"]', "go": "/"},
                                        {"remove": [f"#servers-column li:has(> #server-link-{sid})"]}]
    assert message_ids(after) == [sentinel]
    with carla.stream(last_event_id=int(after.id)) as source:
        ana.post(world.book, "still not for carla")
        again = ana.post(world.side, "for carla")
        assert message_ids(source.next()) == [again]


def test_author_and_readers_get_their_own_rendering(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    with ana.stream() as author_stream, bruno.stream() as reader_stream:
        ana.post(world.book, "who may edit me?")
        mine, theirs = author_stream.next(), reader_stream.next()
    assert 'class="action edit"' in mine.data and 'class="action danger"' in mine.data
    assert 'class="action edit"' not in theirs.data and 'class="action danger"' not in theirs.data
    assert 'class="action react"' in theirs.data
    assert mine.id == theirs.id


def test_an_invitation_reaches_the_invitee_live(server, users, world):
    ana, oscar = users["ana"], users["oscar"]
    with oscar.stream() as source:
        response = ana.http.post(f"/servers/{world.book.server_id}/invitations", headers=ana.htmx(),
                                 data={"username": "oscar"})
        assert response.status_code == 200
        frame = source.next()
    assert frame.event == "charla:notifications"
    bell = oscar.http.get("/notifications/bell", headers={"HX-Request": "true", "HX-Target": "a#bell"}).text
    assert 'id="bell-count">1<' in bell


def test_a_mention_reaches_the_mentioned_member_with_badges_and_the_bell(server, users, world):
    ana, bruno, carla = users["ana"], users["bruno"], users["carla"]
    with bruno.stream() as for_bruno, carla.stream() as for_carla:
        posted = ana.post(world.side, "@bruno have you read it?")
        frames = [for_bruno.next(), for_bruno.next()]
        carla_frame = for_carla.next()
    by_kind = {frame.event: frame for frame in frames}
    message, bell = by_kind["message"], by_kind["charla:notifications"]
    assert message_ids(message) == [posted]
    page = BeautifulSoup(message.data, "html.parser")
    assert page.select_one(f"#message-{posted} .mention").text == "@bruno"
    badge = page.select_one(f'hx-partial[hx-target="#channel-mentions-{world.side.id}"] .mention-badge')
    assert badge.get_text(" ", strip=True) == "1 mention"  # the count, then a visually hidden word
    server_badge = page.select_one(f'hx-partial[hx-target="#server-mentions-{world.side.server_id}"]')
    assert server_badge.get_text(" ", strip=True) == "1 mention"
    # Carla is not mentioned: her channel turns bold, her badges are left alone.
    carla_page = BeautifulSoup(carla_frame.data, "html.parser")
    assert carla_page.select_one(f'hx-partial[hx-target="#channel-unread-{world.side.id}"]') is not None
    assert carla_page.select('hx-partial[hx-target*="-mentions-"]') == []
    assert int(bell.id) > 0


def test_reading_in_one_tab_clears_the_marks_in_the_others(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    posted = ana.post(world.side, "@bruno one more")
    with bruno.stream() as other_tab:
        response = bruno.http.post(f"/servers/{world.side.server_id}/channels/{world.side.id}/read",
                                   params={"up_to": posted}, headers=bruno.htmx())
        assert response.status_code == 204
        # The post itself may still be on its way to this new stream (the hub
        # dispatches asynchronously); read on to the marks.
        frames = []
        while not any(f.event == "message" and "hx-upsert" not in f.data for f in frames):
            assert len(frames) < 5, [f.data[:80] for f in frames]
            frames.append(other_tab.next())
    marks = frames[-1]
    assert any(f.event == "charla:notifications" for f in frames)  # the mention is read too
    page = BeautifulSoup(marks.data, "html.parser")
    assert page.select_one(f"#channel-unread-{world.side.id}").has_attr("hidden")
    assert page.select_one(f"#channel-mentions-{world.side.id}").has_attr("hidden")
    assert page.select_one(f"#server-unread-{world.side.server_id}").has_attr("hidden")


def test_a_reaction_reaches_other_tabs_as_its_bar_and_is_replayed(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    message_id = ana.post(world.book, "react to me")
    with ana.stream() as source:
        response = bruno.http.post(f"/messages/{message_id}/reactions", data={"emoji": "🎉", "state": "on"},
                                   headers=bruno.htmx())
        assert response.status_code == 200, response.text
        frame = source.next()
    partial = BeautifulSoup(frame.data, "html.parser").select_one("hx-partial")
    assert partial["hx-target"] == f"#reactions-{message_id}" and partial["hx-swap"] == "outerHTML"
    [chip] = partial.select("button.chip")
    assert chip.get_text(" ", strip=True) == "🎉 1"
    assert chip["data-users"] and chip["aria-label"].startswith("party popper 1: ")
    assert partial.select("article") == []  # the bar alone, not the message
    # Missed while away: replayed after the last id seen.
    bruno.http.post(f"/messages/{message_id}/reactions", data={"emoji": "🎉", "state": "off"}, headers=bruno.htmx())
    with ana.stream(last_event_id=int(frame.id)) as source:
        replayed = source.next()
    assert int(replayed.id) > int(frame.id)
    bar = BeautifulSoup(replayed.data, "html.parser").select_one(f"#reactions-{message_id}")
    assert bar.has_attr("hidden") and bar.select("button.chip") == []


def test_a_reply_reaches_other_tabs_with_its_preview_and_is_replayed(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    original = ana.post(world.book, "the question")
    with ana.stream() as source:
        response = bruno.http.post(f"/servers/{world.book.server_id}/channels/{world.book.id}/messages",
                                   data={"content": "the answer", "reply_to": str(original), "notify_reply": "1"},
                                   headers=bruno.htmx())
        assert response.status_code == 200, response.text
        # The message, and Ana's notification of the reply (after any late frame of an earlier test).
        frames = [source.next()]
        while "reply-preview" not in frames[-1].data and len(frames) < 5:
            frames.append(source.next())
    live = frames[-1]
    preview = BeautifulSoup(live.data, "html.parser").select_one(".reply-preview a.reply-link")
    assert preview["href"] == f"/messages/{original}"
    assert preview.select_one(".reply-excerpt").text == "the question"
    with ana.stream(last_event_id=int(live.id) - 1) as source:
        replayed = source.next()
    assert replayed.id == live.id and "reply-preview" in replayed.data
