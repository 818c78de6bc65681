"""The member list, and owners and admins removing members."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Membership, Notification, Server
from app.services import events
from tests.conftest import fresh, htmx_headers, soup


def remove(client, cast, user):
    return client.post(f"/servers/{cast.server.id}/members/{user.id}/remove",
                       headers=htmx_headers("section#members-panel"))


def test_members_are_listed_with_their_roles(client, as_user, cast):
    as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}/members"))
    rows = [(li.select_one(".member-name").text.split()[0], li.select_one(".role").text)
            for li in page.select(".member")]
    assert rows == [("Olivia", "Owner"), ("Adam", "Admin"), ("Mia", "Member")]
    assert page.select(".member form") == []  # a member removes nobody
    assert "3 members" in page.select_one(".member-count").text


def test_an_admin_removes_a_member_who_is_told_and_leaves_at_once(client, as_user, cast):
    start = db.session.scalar(select(func.max(Event.id)))
    as_user(cast.admin)
    panel = soup(client.get(f"/servers/{cast.server.id}/members"))
    assert [li["id"] for li in panel.select(".member") if li.select_one("form")] == [f"member-{cast.member.id}"]
    response = remove(client, cast, cast.member)
    assert response.status_code == 200
    page = soup(response)
    assert "Mia was removed from the server." in page.select_one(".form-ok").text
    assert f"member-{cast.member.id}" not in [li["id"] for li in page.select(".member")]
    fresh()
    assert db.session.get(Server, cast.server.id).member_count == 2
    assert db.session.scalar(select(Membership).where(Membership.user_id == cast.member.id)) is None
    kinds = list(db.session.execute(select(Event.kind, Event.user_id).where(Event.id > start)))
    assert (events.MEMBER_LEFT, cast.member.id) in kinds  # her open tabs leave the server
    note = db.session.scalar(select(Notification).where(Notification.user_id == cast.member.id))
    assert note.kind == "removed" and note.actor_id == cast.admin.id
    as_user(cast.member)
    assert soup(client.get(f"/servers/{cast.server.id}")).select_one("#message-list") is None  # the preview
    panel = soup(client.get("/notifications"))
    assert "Adam removed you from Book Club." in panel.text


def test_admins_cannot_remove_admins_or_the_owner_and_nobody_removes_themselves(client, as_user, cast):
    as_user(cast.admin)
    assert remove(client, cast, cast.owner).status_code == 403
    assert remove(client, cast, cast.admin).status_code == 403
    as_user(cast.owner)
    assert remove(client, cast, cast.owner).status_code == 403
    assert remove(client, cast, cast.outsider).status_code == 404
    assert remove(client, cast, cast.admin).status_code == 200
    fresh()
    assert db.session.get(Server, cast.server.id).member_count == 2


def test_the_composer_suggests_members_by_username_prefix(client, as_user, cast):
    from app.services import servers as server_service
    from tests.conftest import make_user
    server_service.add_member(make_user("Adriana"), cast.server)
    db.session.commit()
    make_user("adolfo")  # not a member
    as_user(cast.member)
    url = f"/servers/{cast.server.id}/members/suggest"

    def names(q):
        return [li["data-username"] for li in soup(client.get(url, query_string={"q": q})).select("li")]

    assert names("ad") == ["adam", "Adriana"]
    assert names("ADR") == ["Adriana"]
    assert names("") == ["adam", "Adriana", "olivia"]  # everyone but yourself
    assert names("zz") == [] and names("a'; --") == []
    page = soup(client.get(url, query_string={"q": "ol"}))
    assert page.select_one("#mention-suggestions li[aria-selected=true]")["data-username"] == "olivia"


def test_the_owner_promotes_and_demotes_admins_and_their_tabs_redraw(client, as_user, cast):
    from app.realtime.hub import Subscriber
    from app.realtime.live import get_live
    as_user(cast.owner)
    url = f"/servers/{cast.server.id}/members/{cast.member.id}/role"
    response = client.post(url, data={"role": "admin"}, headers=htmx_headers("section#members-panel"))
    assert response.status_code == 200
    row = soup(response).select_one(f"#member-{cast.member.id}")
    assert row.select_one(".role").text == "Admin" and row.select_one("button").text == "Make member"
    fresh()
    event = db.session.scalar(select(Event).where(Event.kind == events.MEMBER_ROLE_CHANGED))
    frames = get_live().hub.renderer.frames(event)
    mine = frames.for_subscriber(Subscriber(cast.member.id, {cast.server.id}, "en", 10))
    theirs = frames.for_subscriber(Subscriber(cast.admin.id, {cast.server.id}, "en", 10))
    assert "event: charla:channels" in mine and "event:" not in theirs
    as_user(cast.member)
    page = soup(client.get(f"/servers/{cast.server.id}"))
    assert page.select_one("#channels-column details.create-box") is not None  # can create channels now
    as_user(cast.owner)
    assert client.post(url, data={"role": "member"}).status_code == 303
    assert client.post(url, data={"role": "owner"}).status_code == 422
    fresh()
    assert db.session.scalar(select(Membership.role).where(Membership.user_id == cast.member.id)) == "member"
    as_user(cast.admin)
    assert client.post(url, data={"role": "admin"}).status_code == 403  # only the owner
