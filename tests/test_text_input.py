"""User text is normalised on the way in: line endings, control and invisible characters, surrounding blanks."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Channel, Message, Server, User
from app.services import text
from tests.conftest import fresh, htmx_headers, make_user, soup

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


@pytest.mark.parametrize("raw, multiline, line", [
    ("a\r\nb\rc\nd", "a\nb\nc\nd", "a b c d"),
    ("a\u2028b\u2029c", "a\nb\nc", "a b c"),
    ("\x00nul\x07bell\x1b[31m\x7f\x85\x9f", "nulbell[31m", "nulbell[31m"),
    ("keep\ttab", "keep\ttab", "keep tab"),
    ("  \u200b padded \ufeff\n ", "padded", "padded"),
    ("e\u0301", "e\u0301", "e\u0301"),
    (ZERO_WIDTH + "\u0301\u3164 \n", "", ""),
])
def test_normalisation_of_multiline_and_single_line_text(raw, multiline, line):
    assert text.clean_multiline(raw) == multiline
    assert text.clean_line(raw) == line


def channel_url(cast) -> str:
    return f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages"


def test_a_message_is_stored_normalised(client, as_user, cast):
    as_user(cast.member)
    response = client.post(channel_url(cast), data={"content": "\r\n one\r\ntwo\rthree\u2028four\x00\x1b\n\t"})
    assert response.status_code == 303
    fresh()
    assert db.session.scalar(select(Message.content)) == "one\ntwo\nthree\nfour"


@pytest.mark.parametrize("content", [ZERO_WIDTH, "\u0301\u0302", " \u200b\n\u2028\t\x00 ", "\u3164\u2800"])
def test_a_message_of_only_invisible_characters_is_empty(client, as_user, cast, content):
    as_user(cast.member)
    response = client.post(channel_url(cast), data={"content": content}, headers=htmx_headers("div#message-list"))
    assert response.status_code == 422
    assert soup(response).select_one("#composer-error").text.strip() == "Write something first."
    fresh()
    assert db.session.scalar(select(func.count(Message.id))) == 0


def test_the_length_limit_holds_after_normalisation(client, as_user, cast):
    as_user(cast.member)
    refused = client.post(channel_url(cast), data={"content": "x" * 4001}, headers=htmx_headers("div#message-list"))
    assert refused.status_code == 422
    assert (soup(refused).select_one("#composer-error").text.strip()
            == "Messages are at most 4000 characters (this one has 4001).")
    padded = client.post(channel_url(cast), data={"content": "\x00" * 5 + "x" * 4000 + "\r\n\u200b"})
    assert padded.status_code == 303
    fresh()
    assert db.session.scalar(select(Message.content)) == "x" * 4000


@pytest.mark.parametrize("field, label", [("display_name", "Display name"), ("first_name", "First name"),
                                          ("last_name", "Last name")])
def test_a_name_of_only_invisible_characters_is_required(client, as_user, field, label):
    user = make_user("mia")
    as_user(user)
    data = {"display_name": "Mia", "first_name": "Mia", "last_name": "Rossi", "birth_date": "", "bio": "",
            "locale": ""}
    data[field] = ZERO_WIDTH + "\x00\x1f\u0085"
    response = client.post("/profile/personal", data=data, headers=htmx_headers("section#profile-personal"))
    assert response.status_code == 422
    assert soup(response).select_one(f"#p-e-{field}").text.strip() == f"{label} is required."
    fresh()
    assert db.session.get(User, user.id).first_name == "Test"


def test_names_lose_line_breaks_and_the_bio_keeps_them(client, as_user):
    user = make_user("mia")
    as_user(user)
    response = client.post("/profile/personal", data={
        "display_name": "Mia\r\nRossi\u2028", "first_name": "\tMia\x00", "last_name": "Ros\u2029si",
        "birth_date": "", "bio": "one\r\ntwo\u2029three\x07", "locale": ""})
    assert response.status_code == 303
    fresh()
    saved = db.session.get(User, user.id)
    assert (saved.display_name, saved.first_name, saved.last_name, saved.bio) == (
        "Mia Rossi", "Mia", "Ros si", "one\ntwo\nthree")


def test_registration_names_are_normalised_and_invisible_ones_refused(client):
    form = {"username": "nina", "email": "nina@example.com", "display_name": "\u200b\u200d", "first_name": "Nina",
            "last_name": "N\r\nova", "birth_date": "1990-01-01", "password": "a long unusual secret"}
    refused = client.post("/register", data=form)
    assert refused.status_code == 422
    assert "Display name is required." in soup(refused).text
    accepted = client.post("/register", data={**form, "display_name": "Nina\x00\u2028"})
    assert accepted.status_code == 303
    fresh()
    user = db.session.scalar(select(User).where(User.username_key == "nina"))
    assert (user.display_name, user.last_name) == ("Nina", "N ova")


def test_server_name_description_and_channel_fields_are_normalised(client, as_user, cast):
    as_user(cast.owner)
    refused = client.post("/servers", data={"name": ZERO_WIDTH, "description": ""})
    assert refused.status_code == 422
    assert "Give the server a name." in soup(refused).text
    client.post("/servers", data={"name": "Film\r\nClub\x00", "description": "\r\nWe watch.\r\nWe talk.\x1b "})
    fresh()
    server = db.session.scalar(select(Server).where(Server.id != cast.server.id))
    assert (server.name, server.description) == ("Film Club", "We watch.\nWe talk.")
    response = client.post(f"/servers/{cast.server.id}/channels/{cast.channel.id}/edit",
                           data={"name": "Book\u2028Talk\x00", "topic": "Line one\r\nline two\u2029\t"})
    assert response.status_code == 303
    fresh()
    channel = db.session.get(Channel, cast.channel.id)
    assert (channel.name, channel.topic) == ("book-talk", "Line one line two")
