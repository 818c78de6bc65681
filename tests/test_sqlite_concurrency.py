"""The embedded SQLite set-up: two processes writing at once never see "database is locked"."""
import multiprocessing

from sqlalchemy import func, select

import configuracion

POSTS_PER_PROCESS = 60


def _config(url: str):
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
    return Config


def _post_many(url: str, username: str, barrier) -> None:
    from app import create_app
    from app.extensions import db
    from app.models import Channel, User
    from app.services import messages

    app = create_app(_config(url))
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == username))
        channel = db.session.scalar(select(Channel))
        barrier.wait(timeout=30)
        for i in range(POSTS_PER_PROCESS):
            messages.send_message(user, channel.server_id, channel.id, f"{username} {i}")


def test_two_processes_post_at_once(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import ROLE_MEMBER, Message
    from app.services import servers
    from tests.conftest import make_user

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        owner, other = make_user("first"), make_user("second")
        server = servers.create_server(owner, {"name": "Busy"})
        servers.add_member(other, server, role=ROLE_MEMBER)
        db.session.commit()
        mode = db.session.execute(db.text("PRAGMA journal_mode")).scalar()
        db.session.remove()
    assert mode == "wal"

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [context.Process(target=_post_many, args=(url, name, barrier)) for name in ("first", "second")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id))) == 2 * POSTS_PER_PROCESS
        db.session.remove()
