"""Invisible and custom status: saved, shown to others until it expires, forged choices refused."""
from datetime import timedelta

from app.extensions import db
from app.models import User, utcnow
from tests.conftest import fresh, htmx_headers, soup


def card(client, user):
    return soup(client.get(f"/users/{user.id}/card", headers=htmx_headers("div#profile-card")))


def test_a_custom_status_shows_on_the_card_until_it_expires(client, as_user, cast):
    as_user(cast.owner)
    response = client.post("/profile/status", data={"visibility": "auto", "status_text": "  On holiday\n",
                                                    "clear_after": "3600"}, headers=htmx_headers())
    assert response.status_code == 200 and "Saved." in response.get_data(as_text=True)
    fresh()
    owner = db.session.get(User, cast.owner.id)
    assert owner.status_text == "On holiday"
    assert timedelta(minutes=59) < owner.status_expires_at - utcnow() <= timedelta(hours=1)
    as_user(cast.member)
    assert card(client, cast.owner).select_one(".custom-status").get_text() == "On holiday"
    owner.status_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert card(client, cast.owner).select_one(".custom-status").get_text() == ""  # empty: hidden, filled live


def test_invisible_is_saved_and_bad_input_changes_nothing(client, as_user, cast):
    as_user(cast.member)
    assert client.post("/profile/status", data={"visibility": "invisible", "status_text": ""}).status_code == 303
    fresh()
    assert db.session.get(User, cast.member.id).invisible is True
    assert client.post("/profile/status", data={"visibility": "ghost"}).status_code == 400
    assert client.post("/profile/status", data={"visibility": "auto", "clear_after": "13"}).status_code == 400
    too_long = client.post("/profile/status", data={"visibility": "auto", "status_text": "x" * 129},
                           headers=htmx_headers())
    assert too_long.status_code == 422 and "at most 128 characters" in too_long.get_data(as_text=True)
    fresh()
    member = db.session.get(User, cast.member.id)
    assert member.invisible is True and member.status_text == ""
