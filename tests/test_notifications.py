"""Direct invitations and the notifications they bring."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Invitation, Membership, Notification, Server
from app.services import events, invitations, notifications
from app.services.errors import ValidationFailed
from tests.conftest import fresh, htmx_headers, make_user, soup


def invite(client, cast, username):
    return client.post(f"/servers/{cast.server.id}/invitations", data={"username": username},
                       headers=htmx_headers("section#invites-panel"))


def test_invite_by_username_notifies_the_invitee_live(client, as_user, cast):
    as_user(cast.member)
    start = db.session.scalar(select(func.max(Event.id)))
    response = invite(client, cast, "OSCAR")
    assert response.status_code == 200
    assert "Invitation sent" in soup(response).select_one("#invites-panel .form-ok").text
    assert soup(response).select_one("[id^=pending-] span").text == "@oscar"
    fresh()
    note = db.session.scalar(select(Notification).where(Notification.user_id == cast.outsider.id))
    assert note.kind == "invitation" and note.read_at is None and note.server_name == "Book Club"
    assert db.session.scalar(select(Event.kind).where(Event.id > start, Event.user_id == cast.outsider.id)) == \
        events.NOTIFICATIONS_CHANGED
    as_user(cast.outsider)
    bell = soup(client.get("/notifications/bell", headers=htmx_headers("a#bell")))
    assert bell.select_one("#bell-count").text == "1"
    panel = soup(client.get("/notifications", headers=htmx_headers("div#notifications-host")))
    item = panel.select_one(f"#notification-{note.id}")
    assert "Mia invited you to Book Club." in item.text
    assert [b.text for b in item.select(".notification-actions button")] == ["Accept", "Decline"]


@pytest.mark.parametrize("username, message", [
    ("nobody", "no user with that name"),
    ("olivia", "already a member"),
])
def test_invalid_invitations(client, as_user, cast, username, message):
    as_user(cast.member)
    response = invite(client, cast, username)
    assert response.status_code == 422 and message in soup(response).select_one("#invite-e-username").text
    fresh()
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_no_duplicate_pending_invitation(cast):
    invitations.invite_user(cast.member, cast.server.id, "oscar")
    with pytest.raises(ValidationFailed, match="already has an invitation"):
        invitations.invite_user(cast.admin, cast.server.id, "oscar")


def test_accept_joins_and_tells_the_inviter(client, as_user, cast):
    invitation = invitations.invite_user(cast.member, cast.server.id, "oscar")
    as_user(cast.outsider)
    response = client.post(f"/invitations/{invitation.id}/accept")
    assert response.headers["Location"] == f"/servers/{cast.server.id}"
    fresh()
    assert db.session.get(Invitation, invitation.id).state == "accepted"
    assert db.session.scalar(select(Server.member_count).where(Server.id == cast.server.id)) == 4
    back = db.session.scalar(select(Notification).where(Notification.user_id == cast.member.id))
    assert back.kind == "invite_accepted"
    again = client.post(f"/invitations/{invitation.id}/accept")
    assert again.status_code == 409


def test_decline_and_cancel(client, as_user, cast):
    declined = invitations.invite_user(cast.member, cast.server.id, "oscar")
    as_user(cast.outsider)
    assert client.post(f"/invitations/{declined.id}/decline").status_code == 303
    fresh()
    assert db.session.get(Invitation, declined.id).state == "declined"
    assert db.session.scalar(select(Membership.id).where(Membership.user_id == cast.outsider.id)) is None
    cancelled = invitations.invite_user(cast.member, cast.server.id, "oscar")
    as_user(cast.member)
    client.post(f"/invitations/{cancelled.id}/cancel")
    fresh()
    assert db.session.get(Invitation, cancelled.id).state == "cancelled"
    as_user(cast.outsider)
    assert client.post(f"/invitations/{cancelled.id}/accept").status_code == 409
    panel = soup(client.get("/notifications"))
    notification_id = db.session.scalar(select(Notification.id).where(Notification.invitation_id == cancelled.id))
    assert "Withdrawn." in panel.select_one(f"#notification-{notification_id}").text


def test_mark_read_one_and_all(client, as_user, cast):
    invitations.invite_user(cast.member, cast.server.id, "oscar")
    other = make_user("other")
    server = invitations.server_service.create_server(other, {"name": "Other"})
    invitations.invite_user(other, server.id, "oscar")
    as_user(cast.outsider)
    first = db.session.scalar(select(Notification.id).where(Notification.user_id == cast.outsider.id))
    client.post(f"/notifications/{first}/read")
    assert soup(client.get("/notifications/bell", headers=htmx_headers("a#bell"))).select_one("#bell-count").text == "1"
    client.post("/notifications/read")
    assert soup(client.get("/notifications/bell", headers=htmx_headers("a#bell"))).select_one("#bell-count") is None
    assert client.post("/notifications/999999/read").status_code == 404


def test_a_direct_invitation_code_is_not_a_link(client, as_user, cast):
    invitation = invitations.invite_user(cast.member, cast.server.id, "oscar")
    as_user(make_user("stranger"))
    assert client.get(f"/invite/{invitation.code}").status_code == 404


def test_every_kind_of_notification_says_what_happened(client, as_user, cast):
    """A new kind without its sentence in the panel would show an empty entry."""
    kinds = {value for name, value in vars(notifications).items()
             if name.isupper() and isinstance(value, str) and name != "LIST_SIZE"}
    message = cast.post(cast.owner, "hello @mia")
    invitation = invitations.invite_user(cast.owner, cast.server.id, cast.outsider.username)
    db.session.execute(db.delete(Notification))
    for kind in sorted(kinds):
        notifications.notify(cast.member.id, kind, actor_id=cast.owner.id, server_id=cast.server.id,
                             server_name="Book Club", channel_name="general", message_id=message.id,
                             invitation_id=invitation.id if kind == notifications.INVITATION else None)
    db.session.commit()
    panel = soup(as_user(cast.member).get("/notifications"))
    said = {" ".join(p.get_text(" ", strip=True) for p in item.select("p")) for item in panel.select("li.notification")}
    assert len(said) == len(kinds) and all("Olivia" in sentence for sentence in said), said
