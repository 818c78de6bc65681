"""The demo data command gives a new user a lived-in, searchable app."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Channel, Message, Server, User
from app.services import search


def test_demo_data_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0 and "charla-demo-2026" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 4
    assert db.session.scalar(select(func.count(Server.id))) == 2
    assert db.session.scalar(select(func.count(Channel.id))) == 6
    assert db.session.scalar(select(func.count(Message.id))) >= 300
    ana = db.session.scalar(select(User).where(User.username == "ana"))
    assert [r.server.name for r in search.search_servers(ana, "cafe").results] == ["Café Central"]
    again = runner.invoke(args=["demo-data", "--if-empty"])
    assert again.exit_code == 0 and "already has users" in again.output
    assert db.session.scalar(select(func.count(User.id))) == 4
