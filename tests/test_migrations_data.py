"""Migrations carry existing data forward (SQLite rebuilds tables in batch mode)."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

import configuracion
from app import create_app
from app.extensions import db


def test_upgrading_a_database_with_data(tmp_path):
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'old.db'}"

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="ebe03c406c14")
        db.session.execute(text(
            "INSERT INTO users (username, username_key, email, display_name, first_name, last_name, birth_date,"
            " password_hash, session_token, created_at) VALUES ('ana', 'ana', 'ana@example.com', 'Ana', 'Ana',"
            " 'G', '1990-01-01', 'x', 't', '2026-01-01 00:00:00')"))
        db.session.execute(text(
            "INSERT INTO servers (name, description, owner_id, is_public, member_count, created_at)"
            " VALUES ('Café Central', '', 1, 1, 1, '2026-01-01 00:00:00')"))
        db.session.commit()
        upgrade()
        assert db.session.execute(text("SELECT name_key FROM servers")).scalar() == "cafe central"
        assert sorted(db.session.execute(text("SELECT term FROM server_terms")).scalars()) == ["cafe", "central"]
        assert db.session.execute(text("SELECT bio, birth_date FROM users")).one() == ("", "1990-01-01")
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()


def test_message_nonces_become_unique_per_channel_and_back(tmp_path):
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'nonces.db'}"

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="2125d12f881d")
        for statement in [
            "INSERT INTO users (id, username, username_key, email, display_name, first_name, last_name, birth_date,"
            " password_hash, session_token, created_at, bio) VALUES (1, 'ana', 'ana', 'ana@example.com', 'Ana',"
            " 'Ana', 'G', '1990-01-01', 'x', 't', '2026-01-01 00:00:00', '')",
            "INSERT INTO servers (id, name, name_key, description, owner_id, is_public, member_count, created_at)"
            " VALUES (1, 'S', 's', '', 1, 1, 1, '2026-01-01 00:00:00')",
            "INSERT INTO channels (id, server_id, name, topic, position, created_at)"
            " VALUES (1, 1, 'a', '', 0, '2026-01-01 00:00:00'), (2, 1, 'b', '', 1, '2026-01-01 00:00:00')",
            "INSERT INTO messages (id, channel_id, author_id, content, created_at, nonce)"
            " VALUES (1, 1, 1, 'first', '2026-01-01 00:00:00', 'n1')",
        ]:
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        db.session.execute(text("INSERT INTO messages (id, channel_id, author_id, content, created_at, nonce)"
                                " VALUES (2, 2, 1, 'elsewhere', '2026-01-01 00:00:01', 'n1')"))
        db.session.commit()
        downgrade(revision="2125d12f881d")
        assert db.session.execute(text("SELECT id, nonce FROM messages ORDER BY id")).all() == [(1, "n1"), (2, None)]
        upgrade()
        assert db.session.execute(text("SELECT count(*) FROM messages")).scalar() == 2
        db.session.remove()
