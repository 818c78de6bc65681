"""Service-layer conventions: validators report every problem at once; actions own the transaction."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Membership
from app.services import invitations, profiles
from app.services import servers as server_service
from app.services.errors import ValidationFailed
from tests.conftest import fresh, make_user, memberships_of, soup


def test_channel_settings_report_name_and_topic_problems_together(client, as_user, cast):
    as_user(cast.owner)
    response = client.post(f"/servers/{cast.server.id}/channels/{cast.channel.id}/edit",
                           data={"name": "!!!", "topic": "x" * 301})
    assert response.status_code == 422
    errors = [error.text.strip() for error in soup(response).select(".field-error")]
    assert errors == ["Give the channel a name (letters or digits).", "At most 300 characters."]


def test_personal_data_reports_every_field_at_once(cast):
    with pytest.raises(ValidationFailed) as failed:
        profiles.update_personal(cast.member, {"display_name": "", "first_name": "x" * 65, "last_name": "Ok",
                                               "birth_date": "3000-01-01", "bio": "b" * 191, "locale": "fr"})
    assert set(failed.value.errors) == {"display_name", "first_name", "birth_date", "bio", "locale"}


def test_add_member_leaves_the_commit_to_the_caller(cast):
    newcomer = make_user("nico")
    before = db.session.scalar(select(func.count(Event.id)))
    server_service.add_member(newcomer, cast.server)
    db.session.rollback()
    fresh()
    assert cast.server.id not in memberships_of(newcomer)
    assert db.session.scalar(select(func.count(Event.id))) == before


def test_accepting_an_invitation_commits_once(cast, monkeypatch):
    invitation = invitations.invite_user(cast.owner, cast.server.id, cast.outsider.username)
    commits = []
    real_commit = db.session.commit
    monkeypatch.setattr(db.session, "commit", lambda: commits.append(1) or real_commit())
    invitations.respond(cast.outsider, invitation.id, accept=True)
    assert commits == [1]
    fresh()
    assert db.session.scalar(select(Membership.role).where(Membership.user_id == cast.outsider.id,
                                                           Membership.server_id == cast.server.id)) == "member"


def test_joining_by_link_commits_once(cast, monkeypatch):
    link = invitations.create_link(cast.owner, cast.server.id, {})
    commits = []
    real_commit = db.session.commit
    monkeypatch.setattr(db.session, "commit", lambda: commits.append(1) or real_commit())
    server, state = invitations.accept_link(cast.outsider, link.code)
    assert (server.id, state, commits) == (cast.server.id, invitations.OK, [1])
    fresh()
    assert cast.server.id in memberships_of(cast.outsider)
