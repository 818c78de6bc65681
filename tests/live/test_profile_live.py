"""Profile changes over the stream: new names reach every tab; a password change closes other sessions."""
import pytest

from tests.conftest import PASSWORD
from tests.live.conftest import User
from tests.live.test_protocol import next_with


def test_a_new_display_name_reaches_other_members(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    with ana.stream() as source:
        response = bruno.http.post("/profile/personal", headers=bruno.htmx(), data={
            "display_name": "Bruno the Reader", "first_name": "Bruno", "last_name": "B", "birth_date": "",
            "bio": "", "locale": ""})
        assert response.status_code == 200
        frame = source.next()
    assert 'hx-target=".author-u' in frame.data and "Bruno the Reader" in frame.data


def test_a_new_custom_status_reaches_member_lists_and_cards(server, users, world):
    ana, bruno = users["ana"], users["bruno"]
    bruno_id = world.ids["bruno"]
    with ana.stream() as source:
        response = bruno.http.post("/profile/status", headers=bruno.htmx(),
                                   data={"visibility": "auto", "status_text": "Reading <b>Dune</b>"})
        assert response.status_code == 200
        frame = source.next()
        assert f'hx-target=".status-u{bruno_id}"' in frame.data
        assert "Reading &lt;b&gt;Dune&lt;/b&gt;</hx-partial>" in frame.data  # text, escaped
        bruno.http.post("/profile/status", headers=bruno.htmx(), data={"visibility": "auto", "status_text": ""})
        next_with(source, f'<hx-partial hx-target=".status-u{bruno_id}" hx-swap="innerHTML"></hx-partial>')


def test_a_password_change_closes_the_other_sessions_streams(server, world):
    laptop, phone = User(server, "carla"), User(server, "carla")
    with laptop.stream() as laptop_stream, phone.stream() as phone_stream:
        response = phone.http.post("/profile/password", headers=phone.htmx(),
                                   data={"current_password": PASSWORD, "new_password": "a fresh long secret"})
        assert response.status_code == 200
        signed_out = laptop_stream.next()
        assert signed_out.event == "charla:signed-out"
        with pytest.raises(AssertionError, match="stream ended"):
            laptop_stream.next()
        User(server, "ana").post(world.book, "the phone still listens")
        assert "the phone still listens" in phone_stream.next().data
    assert laptop.http.get("/").status_code == 302
    assert phone.http.get("/").status_code == 200


def test_logging_out_closes_this_browsers_streams_only(server, world):
    laptop, phone = User(server, "bruno"), User(server, "bruno")
    with laptop.stream() as laptop_stream, phone.stream() as phone_stream:
        assert laptop.http.post("/logout", headers=laptop.htmx()).status_code == 303
        signed_out = laptop_stream.next()
        assert signed_out.event == "charla:signed-out"
        with pytest.raises(AssertionError, match="stream ended"):
            laptop_stream.next()
        User(server, "ana").post(world.book, "still here on the phone")
        assert "still here on the phone" in phone_stream.next().data
    assert laptop.http.get("/").status_code == 302
