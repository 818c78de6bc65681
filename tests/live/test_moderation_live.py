"""Moderation on the live stream: a ban takes the server out of the banned member's open tabs at once; a
timeout (and its end) redraws the member's message box in their open tabs."""
import json

from tests.live.test_protocol import next_with


def moderate(user, path: str, **form) -> None:
    response = user.http.post(path, data=form, headers=user.htmx())
    assert response.status_code == 200, response.text[:300]


def test_a_ban_takes_the_server_out_of_the_banned_members_tabs(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    side = world.side.server_id
    with bruno.stream() as tab:
        moderate(ana, f"/servers/{side}/members/{world.ids['bruno']}/ban", reason="flooding")
        frame = next_with(tab, "go")
    assert frame.event == "charla:removed"
    rules = json.loads(frame.data)
    assert rules[0] == {"when": f'#channels-column[data-server-id="{side}"]', "go": "/"}
    assert rules[1] == {"remove": [f"#servers-column li:has(> #server-link-{side})"]}
    assert bruno.http.get(f"/servers/{side}").status_code == 404  # a private server: nothing to see


def test_a_timeout_and_its_end_redraw_the_members_message_box(server, users, world):
    ana, carla = users["ana"], users["carla"]
    book = world.book.server_id
    with carla.stream() as tab:
        moderate(ana, f"/servers/{book}/members/{world.ids['carla']}/timeout", duration="600")
        muted = next_with(tab, "#messages-column")
        moderate(ana, f"/servers/{book}/members/{world.ids['carla']}/timeout/end")
        back = next_with(tab, "#messages-column")
    for frame in (muted, back):
        assert frame.event == "charla:channel"
        assert json.loads(frame.data) == [{"when": f'#channels-column[data-server-id="{book}"]',
                                           "refresh": ["#messages-column"]}]
    assert int(back.id) > int(muted.id)
