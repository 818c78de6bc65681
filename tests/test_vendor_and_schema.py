"""Pinned front-end files and a schema that matches its migrations."""
import hashlib
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db

STATIC = Path(__file__).resolve().parent.parent / "static"

PINNED = {
    "vendor/htmx/htmx.min.js": "a0abb04f2f45a1f89d1d4844023245537e5e6014c87b144553e0607b4cc32130",
    "vendor/htmx/hx-sse.min.js": "18ef2761356ec1fe0bb6d92612315b37517a7c1e9856b661c5ae81fef239d103",
}


def test_vendored_htmx_is_the_pinned_release():
    for path, digest in PINNED.items():
        assert hashlib.sha256((STATIC / path).read_bytes()).hexdigest() == digest, path
    assert (STATIC / "vendor/htmx/LICENSE").exists()


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_lookups_have_indexes(app):
    indexes = {(index.table.name, tuple(c.name for c in index.columns)) for table in db.metadata.tables.values()
               for index in table.indexes}
    for wanted in [("messages", ("channel_id", "id")), ("memberships", ("server_id",)),
                   ("events", ("server_id", "id")), ("events", ("user_id", "id")), ("messages", ("author_id",))]:
        assert wanted in indexes
    uniques = {(table.name, tuple(c.name for c in constraint.columns)) for table in db.metadata.tables.values()
               for constraint in table.constraints if constraint.__class__.__name__ == "UniqueConstraint"}
    assert ("memberships", ("user_id", "server_id")) in uniques
    assert ("channels", ("server_id", "name")) in uniques
