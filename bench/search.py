"""Server search with 100,000 servers: latency per keystroke and the query plan.

    python bench/search.py                                    # SQLite in a temp dir
    python bench/search.py --database-url mysql://root@127.0.0.1/charla_bench_search

Seeds N public servers with two- or three-word names (plus accents), then
times `search_servers` for queries a user types, letter by letter, and prints
p50/p95 per query length and the plan of the search statement (it must use
ix_servers_name_key and ix_server_terms_term, not scan servers).
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pymysql
from flask_migrate import upgrade
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url

import configuracion
from app import create_app
from app.extensions import db
from app.models import Server, ServerTerm, User
from app.services import search

WORDS = ["café", "club", "book", "python", "ajedrez", "música", "runners", "lectura", "cine", "series", "juegos",
         "fútbol", "arte", "diseño", "viajes", "cocina", "fotografía", "ciencia", "historia", "idiomas", "jardín",
         "montaña", "mar", "noche", "estudio", "central", "norte", "sur", "grupo", "amigos", "equipo", "comunidad",
         "taller"]
TYPED = ["c", "ca", "caf", "café", "café c", "café cl", "m", "mú", "músi", "música", "zz", "python t"]


def build_app(url: str):
    class Config(configuracion.TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def fresh_mysql(url: str) -> str:
    parsed = make_url(configuracion.database_url(url))
    connection = pymysql.connect(host=parsed.host, port=parsed.port or 3306, user=parsed.username,
                                 password=parsed.password or "")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{parsed.database}`")
        cursor.execute(f"CREATE DATABASE `{parsed.database}` CHARACTER SET utf8mb4")
    connection.close()
    return parsed.render_as_string(hide_password=False)


def seed(count: int, rng: random.Random) -> None:
    owner = User(username="owner", username_key="owner", email="owner@example.com", display_name="Owner",
                 first_name="O", last_name="W", password_hash="!")
    db.session.add(owner)
    db.session.flush()
    for start in range(0, count, 5000):
        servers, terms = [], []
        for i in range(start, min(start + 5000, count)):
            name = " ".join(rng.choice(WORDS).title() for _ in range(rng.choice((2, 3)))) + f" {i}"
            servers.append({"id": i + 1, "name": name, "name_key": search.fold(name), "description": "",
                            "owner_id": owner.id, "is_public": True, "member_count": rng.randint(1, 5000)})
            terms.extend({"server_id": i + 1, "term": term} for term in search.terms(name))
        db.session.execute(insert(Server), servers)
        db.session.execute(insert(ServerTerm), terms)
    db.session.commit()


def capture_sql(user: User, query: str) -> str:
    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        search.search_servers(user, query)
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    return statements[-1]


def explain(user: User, query: str) -> list:
    statement, parameters = capture_sql(user, query)
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    with db.engine.connect() as connection:
        return connection.exec_driver_sql(prefix + statement, parameters).all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--servers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_mysql(args.database_url) if args.database_url else f"sqlite:///{Path(tmp) / 'search.db'}"
        app = build_app(url)
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            seed(args.servers, random.Random(7))
            if db.engine.dialect.name == "sqlite":
                db.session.execute(text("ANALYZE"))
            else:
                db.session.execute(text("ANALYZE TABLE servers, server_terms"))
            print(f"database: {db.engine.dialect.name}; seeded {args.servers:,} servers in "
                  f"{time.perf_counter() - started:.1f} s; {args.repeat} runs per query")
            user = db.session.get(User, 1)
            print(f"{'query':<10} {'results':>7} {'p50 ms':>7} {'p95 ms':>7}")
            for query in TYPED:
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    page = search.search_servers(user, query)
                    times.append((time.perf_counter() - start) * 1000)
                    db.session.rollback()
                times.sort()
                p95 = times[int(len(times) * 0.95) - 1]
                print(f"{query!r:<10} {len(page.results):>7} {statistics.median(times):>7.2f} {p95:>7.2f}")
            print("\nplan of the search for 'café c':")
            for row in explain(user, "café c"):
                print("   ", " | ".join(str(v) for v in row))
            db.session.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
