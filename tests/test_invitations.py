"""Invite links: creation, preview, joining, expiry, limits, revocation, the visitor path."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invitation, Membership, Server, utcnow
from app.services import invitations
from tests.conftest import PASSWORD, fresh, htmx_headers, make_user, soup


def member_count(server_id: int) -> int:
    return db.session.scalar(select(Server.member_count).where(Server.id == server_id))


def test_a_member_creates_a_link_with_choices(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}/invites"))
    assert page.select_one("#invite-expires option[selected]")["value"] == "7d"
    assert [o["value"] for o in page.select("#invite-uses option")] == ["1", "5", "10", "25", "100", "unlimited"]
    response = client.post(f"/servers/{cast.server.id}/invites", data={"expires": "1h", "max_uses": "5"},
                           headers=htmx_headers("section#invites-panel"))
    url = soup(response).select_one("#new-invite-url")["value"]
    fresh()
    invitation = db.session.scalar(select(Invitation))
    assert url.endswith(f"/invite/{invitation.code}") and len(invitation.code) >= 32
    assert invitation.max_uses == 5
    assert timedelta(minutes=59) < invitation.expires_at - utcnow() <= timedelta(hours=1)
    bad = client.post(f"/servers/{cast.server.id}/invites", data={"expires": "1y"}, headers=htmx_headers("section"))
    assert bad.status_code == 422


def test_codes_are_unguessable():
    codes = {invitations.new_code() for _ in range(200)}
    assert len(codes) == 200 and min(len(c) for c in codes) >= 32  # 192 random bits


def test_preview_then_join(client, as_user, cast):
    invitation = invitations.create_link(cast.owner, cast.server.id, {"max_uses": "unlimited"})
    newcomer = make_user("newcomer")
    as_user(newcomer)
    page = soup(client.get(f"/invite/{invitation.code}"))
    assert page.select_one("h1").text == "Book Club"
    assert page.select_one(".result-description").text == "We read."
    assert page.select_one(".member-count").text == "3 members"
    response = client.post(f"/invite/{invitation.code}")
    assert response.status_code == 303 and response.headers["Location"] == f"/servers/{cast.server.id}"
    fresh()
    assert member_count(cast.server.id) == 4
    assert db.session.scalar(select(Invitation.uses)) == 1
    again = client.post(f"/invite/{invitation.code}")  # already a member: just opens it, no use taken
    assert again.status_code == 303
    fresh()
    assert db.session.scalar(select(Invitation.uses)) == 1


@pytest.mark.parametrize("change, message", [
    (lambda i: setattr(i, "expires_at", utcnow() - timedelta(seconds=1)), "expired"),
    (lambda i: setattr(i, "uses", 1), "used as many times"),
    (lambda i: setattr(i, "revoked_at", utcnow()), "revoked"),
])
def test_dead_links_get_a_clear_page_and_join_nobody(client, as_user, cast, change, message):
    invitation = invitations.create_link(cast.owner, cast.server.id, {"max_uses": "1"})
    change(invitation)
    db.session.commit()
    as_user(make_user("late"))
    for response in (client.get(f"/invite/{invitation.code}"), client.post(f"/invite/{invitation.code}")):
        assert response.status_code == 410
        assert message in soup(response).select_one("main").text
    fresh()
    assert member_count(cast.server.id) == 3


def test_unknown_code_is_404(client, as_user):
    as_user(make_user("curious"))
    response = client.get("/invite/not-a-real-code")
    assert response.status_code == 404 and soup(response).select_one("h1").text == "Invite not found"


def test_two_people_racing_for_the_last_use_one_wins(app, cast):
    invitation = invitations.create_link(cast.owner, cast.server.id, {"max_uses": "1"})
    racers = [make_user("racer1"), make_user("racer2")]
    results, barrier = [], threading.Barrier(2)

    def race(user_id):
        with app.app_context():
            from app.models import User
            user = db.session.get(User, user_id)
            barrier.wait(5)
            server, state = invitations.accept_link(user, invitation.code)
            results.append(state)
            db.session.remove()

    threads = [threading.Thread(target=race, args=(racer.id,)) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(results) == [invitations.OK, invitations.USED_UP]
    fresh()
    assert member_count(cast.server.id) == 4
    assert db.session.scalar(select(Invitation.uses)) == 1


def test_visitor_registers_and_lands_back_on_the_invite(app, cast):
    invitation = invitations.create_link(cast.owner, cast.server.id, {})
    visitor = app.test_client()
    path = f"/invite/{invitation.code}"
    page = soup(visitor.get(path))
    register_link = page.select_one("a[href^='/register']")["href"]
    assert register_link == f"/register?next={path}"
    assert page.select_one("a[href^='/login']")["href"] == f"/login?next={path}"
    assert visitor.post(path).headers["Location"] == f"/login?next={path}"
    response = visitor.post(register_link, data={
        "username": "visitor", "email": "visitor@example.com", "display_name": "Visitor", "first_name": "V",
        "last_name": "V", "birth_date": "1990-01-01", "password": "a long passphrase"})
    assert response.headers["Location"] == f"/welcome?next={path}"
    welcome = soup(visitor.get(response.headers["Location"]))
    assert welcome.select_one("a.button.primary")["href"] == path
    joined = visitor.post(path)
    assert joined.headers["Location"] == f"/servers/{cast.server.id}"


def test_visitor_logs_in_and_lands_back_on_the_invite(app, cast):
    invitation = invitations.create_link(cast.owner, cast.server.id, {})
    make_user("guest")
    visitor = app.test_client()
    path = f"/invite/{invitation.code}"
    response = visitor.post(f"/login?next={path}", data={"login": "guest", "password": PASSWORD})
    assert response.headers["Location"] == path


def test_owners_and_admins_list_and_revoke_every_link(client, as_user, cast):
    mine = invitations.create_link(cast.member, cast.server.id, {})
    theirs = invitations.create_link(cast.owner, cast.server.id, {})
    as_user(cast.member)
    listed = [li["id"] for li in soup(client.get(f"/servers/{cast.server.id}/invites")).select(".invite-list li")]
    assert listed == [f"invite-{mine.id}"]
    assert client.post(f"/invites/{theirs.id}/revoke").status_code == 403
    as_user(cast.admin)
    listed = [li["id"] for li in soup(client.get(f"/servers/{cast.server.id}/invites")).select(".invite-list li")]
    assert listed == [f"invite-{theirs.id}", f"invite-{mine.id}"]
    response = client.post(f"/invites/{mine.id}/revoke", headers=htmx_headers("section#invites-panel"))
    assert [li["id"] for li in soup(response).select(".invite-list li")] == [f"invite-{theirs.id}"]
    fresh()
    assert db.session.get(Invitation, mine.id).revoked_at is not None
    assert db.session.scalar(select(Membership.id).where(Membership.user_id == cast.outsider.id)) is None
