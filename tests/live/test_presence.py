"""Presence on the live stream: a member's first tab makes them online for the others, the last one
closing makes them offline within a second or two; outsiders hear nothing; nothing is written."""
import contextlib
import json
import time

import httpx

from tests.live.test_typing import events_in_log


def next_presence(source, user_id: int, state: str, limit: int = 10) -> dict:
    for _ in range(limit):
        frame = source.next_any()
        if frame.event == "charla:presence":
            assert frame.id in ("", None)
            for change in json.loads(frame.data)["changes"]:
                if change["user"] == user_id and change["state"] == state:
                    return change
    raise AssertionError(f"no presence {state!r} for user {user_id}")


def test_first_tab_online_last_tab_offline_members_only(server, users, world):
    ana, bruno, carla = users["ana"], users["bruno"], users["carla"]
    before = events_in_log(world)
    ana_id = world.ids["ana"]
    with bruno.stream(timeout=10) as watching:
        with carla.stream(timeout=10):
            pass  # carla comes and goes: her own presence frames are not bruno's business here
        with ana.stream(timeout=10), ana.stream(timeout=10):
            next_presence(watching, ana_id, "online")
        closed_at = time.monotonic()
        next_presence(watching, ana_id, "offline")
        assert time.monotonic() - closed_at < 5
    assert events_in_log(world) == before


def test_an_outsider_hears_no_presence(server, users, world):
    ana, oscar = users["ana"], users["oscar"]
    with oscar.stream(timeout=4) as outsider:
        with ana.stream(timeout=10):
            time.sleep(1.5)
        frames = []
        with contextlib.suppress(httpx.ReadTimeout):  # nothing more came
            while True:
                frames.append(outsider.next_any())
    heard = [change["user"] for f in frames if f.event == "charla:presence" for change in json.loads(f.data)["changes"]]
    assert world.ids["ana"] not in heard  # (his own tabs may hear about himself)


def test_an_invisible_member_shows_offline_and_coming_back_is_announced(server, users, world):
    bruno, carla = users["bruno"], users["carla"]
    carla_id = world.ids["carla"]

    def set_visibility(value: str) -> None:
        response = carla.http.post("/profile/status", data={"visibility": value, "status_text": ""},
                                   headers=carla.htmx())
        assert response.status_code == 200

    set_visibility("invisible")
    try:
        with bruno.stream(timeout=10) as watching, carla.stream(timeout=10):
            card = bruno.page(f"/users/{carla_id}/card")
            assert f'data-presence-text="{carla_id}">Offline' in card
            set_visibility("auto")
            next_presence(watching, carla_id, "online")
            set_visibility("invisible")
            next_presence(watching, carla_id, "offline")
    finally:
        set_visibility("auto")
