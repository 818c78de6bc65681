"""A transaction MariaDB picks as a deadlock victim is run again; other database errors are not."""
import pymysql
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Event, Message
from app.services import events, messages
from tests.conftest import soup


def database_error(code: int, text: str) -> OperationalError:
    return OperationalError("INSERT INTO events ...", {}, pymysql.err.OperationalError(code, text))


@pytest.fixture
def failing_event_log(monkeypatch):
    """record_event raises the queued errors, one per call, then works."""
    queued: list[OperationalError] = []
    real = events.record_event

    def record_event(*args, **kwargs):
        if queued:
            raise queued.pop(0)
        return real(*args, **kwargs)

    monkeypatch.setattr(messages.events, "record_event", record_event)
    return queued


def counts() -> tuple[int, int]:
    db.session.rollback()  # a fresh snapshot (MariaDB's repeatable read)
    return (db.session.scalar(select(func.count(Message.id))),
            db.session.scalar(select(func.count(Event.id)).where(Event.kind == events.MESSAGE_CREATED)))


@pytest.mark.parametrize("code", [1213, 1205], ids=["deadlock", "lock-wait-timeout"])
def test_a_post_picked_as_deadlock_victim_is_retried_and_stored_once(client, as_user, cast, failing_event_log, code):
    as_user(cast.member)
    before = counts()
    failing_event_log.extend([database_error(code, "Deadlock found when trying to get lock"),
                              database_error(code, "Deadlock found when trying to get lock")])
    response = client.post(f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages",
                           data={"content": "third time lucky"}, follow_redirects=True)
    assert response.status_code == 200
    assert "third time lucky" in soup(response).text
    assert failing_event_log == []
    assert counts() == (before[0] + 1, before[1] + 1)


def test_a_lost_connection_is_not_retried_and_writes_nothing(client, as_user, cast, failing_event_log):
    as_user(cast.member)
    before = counts()
    failing_event_log.extend([database_error(2013, "Lost connection to server during query"),
                              database_error(2013, "Lost connection to server during query")])
    response = client.post(f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages",
                           data={"content": "not stored"})
    assert response.status_code == 503
    assert len(failing_event_log) == 1  # tried once
    assert counts() == before


def test_a_deadlock_that_persists_gives_up_with_a_503(client, as_user, cast, failing_event_log):
    as_user(cast.member)
    before = counts()
    failing_event_log.extend([database_error(1213, "Deadlock found when trying to get lock")] * 10)
    response = client.post(f"/servers/{cast.server.id}/channels/{cast.channel.id}/messages",
                           data={"content": "never stored"})
    assert response.status_code == 503
    assert len(failing_event_log) == 10 - 4
    assert counts() == before
