"""The instance admin: made by the CLI, sets the name and who may register, deactivates accounts, deletes
servers; every action on the instance log."""
import pytest

from app.extensions import db
from app.models import InstanceAuditEntry, Notification, Server, User, UserSession
from app.services import instance, invitations, mentions
from app.services import servers as server_service
from app.services.errors import ValidationFailed
from tests.conftest import PASSWORD, fresh, make_user, soup


def log_actions() -> list[str]:
    return list(db.session.scalars(db.select(InstanceAuditEntry.action).order_by(InstanceAuditEntry.id)))


def make_admin(name: str = "root") -> User:
    user = make_user(name)
    instance.grant(user.username)
    return user


def test_the_cli_creates_and_grants_instance_admins(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["admin", "create", "boss", "--email", "boss@example.com",
                                 "--birth-date", "1980-02-03"], input="plum-Otter-kettle-93\nplum-Otter-kettle-93\n")
    assert result.exit_code == 0, result.output
    assert "boss is an instance admin." in result.output
    plain = make_user("plain")
    assert runner.invoke(args=["admin", "grant", "PLAIN"]).exit_code == 0
    missing = runner.invoke(args=["admin", "grant", "nobody_here"])
    assert missing.exit_code != 0 and "Nobody is called nobody_here." in missing.output
    fresh()
    admins = set(db.session.scalars(db.select(User.username).where(User.is_instance_admin.is_(True))))
    assert admins == {"boss", plain.username}
    assert runner.invoke(args=["admin", "revoke", "plain"]).exit_code == 0


def test_the_name_shows_in_titles_and_changes_are_logged(client, as_user):
    admin = make_admin()
    client = as_user(admin)
    assert soup(client.get("/admin")).select_one("#instance-name")["value"] == "Charla"
    response = client.post("/admin", data={"name": "Casa Club", "registration": "open"})
    assert response.status_code == 303
    assert soup(client.get("/")).title.get_text() == "Casa Club"
    bad = client.post("/admin", data={"name": "", "registration": "sometimes"})
    assert bad.status_code == 422
    page = soup(bad)
    assert page.select_one("#instance-e-name") and page.select_one("#instance-e-registration")
    fresh()
    assert log_actions() == [instance.SETTINGS_CHANGED]
    entry = db.session.scalar(db.select(InstanceAuditEntry))
    assert entry.details == {"before": {"name": "Charla"}, "after": {"name": "Casa Club"}}


def test_registration_open_by_invite_or_closed(client, as_user, cast):
    admin = make_admin()
    link = invitations.create_link(cast.owner, cast.server.id, {})
    instance.update_settings(admin, {"name": "Charla", "registration": "invite"})
    assert client.get("/register").status_code == 403
    assert "need an invite link" in client.get("/register").get_data(as_text=True)
    assert client.get(f"/register?next=/invite/{link.code}").status_code == 200
    assert client.get("/register?next=/invite/not-a-code").status_code == 403
    instance.update_settings(admin, {"name": "Charla", "registration": "closed"})
    closed = client.post(f"/register?next=/invite/{link.code}", data={"username": "newbie"})
    assert closed.status_code == 403 and "takes no new accounts" in closed.get_data(as_text=True)
    fresh()
    assert db.session.scalar(db.select(User.id).where(User.username_key == "newbie")) is None


def test_a_deactivated_account_is_signed_out_everywhere_and_out_of_reach(client, as_user, cast):
    admin = make_admin()
    member_client = as_user(cast.member)
    assert member_client.get("/").status_code == 200
    as_admin = client.application.test_client()
    from tests.conftest import log_in
    log_in(as_admin, admin)
    assert as_admin.post(f"/admin/users/{cast.member.id}/deactivate").status_code == 303
    fresh()
    assert db.session.scalar(db.select(db.func.count(UserSession.id)).where(UserSession.user_id == cast.member.id)) == 0
    refused = client.post("/login", data={"login": "mia", "password": PASSWORD})
    assert refused.status_code == 403 and "This account is deactivated." in refused.get_data(as_text=True)
    try:
        invitations.invite_user(cast.owner, cast.server.id, "mia")
    except ValidationFailed as failed:
        assert failed.errors["username"] == "There is no user with that name."
    else:
        raise AssertionError("a deactivated account was invited")
    fresh()
    assert [user.username for user in mentions.suggest(cast.owner, cast.server.id, "")] == ["adam"]
    with pytest.raises(ValidationFailed):
        server_service.transfer_ownership(cast.owner, cast.server.id, {"username": "mia", "password": PASSWORD})
    assert as_admin.post(f"/admin/users/{admin.id}/deactivate").status_code == 409
    assert as_admin.post(f"/admin/users/{cast.member.id}/reactivate").status_code == 303
    assert client.post("/login", data={"login": "mia", "password": PASSWORD}).status_code == 303
    fresh()
    assert log_actions() == [instance.USER_DEACTIVATED, instance.USER_REACTIVATED]


def test_an_admin_deletes_a_server_once_its_name_is_typed(client, as_user, cast):
    admin = make_admin()
    server_id = cast.server.id
    client = as_user(admin)
    listed = soup(client.get("/admin/servers?q=book"))
    assert [li.select_one(".member-name").contents[0].strip() for li in listed.select(".admin-list .member")] == [
        "Book Club"]
    wrong = client.post(f"/admin/servers/{server_id}/delete", data={"confirm": "book club"})
    assert wrong.status_code == 422
    assert "Type the server's name exactly" in soup(wrong).select_one(".form-error").get_text()
    fresh()
    assert db.session.get(Server, server_id) is not None
    assert client.post(f"/admin/servers/{server_id}/delete", data={"confirm": "Book Club"}).status_code == 303
    fresh()
    assert db.session.get(Server, server_id) is None
    told = set(db.session.scalars(db.select(Notification.user_id).where(Notification.kind == "server_deleted")))
    assert told == {cast.owner.id, cast.admin.id, cast.member.id}
    assert log_actions() == [instance.SERVER_DELETED]
    page = soup(client.get("/admin/log"))
    assert "Deleted a server" in page.select_one(".audit-entry").get_text()
    assert "Book Club" in page.select_one(".audit-entry").get_text()


def test_accounts_search_by_prefix(client, as_user):
    admin = make_admin()
    for name in ("zoe", "zack", "amy"):
        make_user(name)
    page = soup(as_user(admin).get("/admin/users?q=Z"))
    assert [li["id"] for li in page.select(".admin-list .member")] == [
        f"account-{u}" for u in db.session.scalars(db.select(User.id).where(User.username_key.like("z%"))
                                                   .order_by(User.id))]
