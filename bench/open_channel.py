"""Benchmark: opening a channel with 100 vs 100,000 messages, plain and rich.

History is paged by key on (channel_id, id), 50 messages a page, so opening
a channel (full page or htmx swap) and loading an older page deep in history
should cost about the same whatever the channel's size, with the same number
of SQL queries.

Each size has a plain channel (one line of text per message: the reference)
and a rich one, measured in the same run: half its messages formatted (code
blocks, links, spoilers, mentions), replies to earlier messages and
reactions. Messages are rendered when written (stored HTML), so the rich
channel should open within RICH_MAX_RATIO of the plain one.

    python bench/open_channel.py                      # fresh SQLite file in a temp dir
    python bench/open_channel.py --database-url mysql://root@127.0.0.1/charla_bench

Run from the project root with the virtualenv active. See bench/README.md.
"""
import argparse
import os
import random
import shlex
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

import flask_migrate  # noqa: E402
import pymysql  # noqa: E402
from sqlalchemy import MetaData, event, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import configuracion  # noqa: E402
from app import create_app  # noqa: E402
from app.cli import LINES  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    ROLE_MEMBER,
    ROLE_OWNER,
    Channel,
    Membership,
    Message,
    MessageReaction,
    Server,
    User,
    utcnow,
)
from app.services import formatting, sessions  # noqa: E402
from app.services import messages as message_service  # noqa: E402

SIZES = (100, 100_000)
KINDS = ("plain", "rich")
RICH_MAX_RATIO = 1.2  # p50 of a rich channel over the plain one of the same size
RICH_LINES = [
    "**Reunión** el *jueves* a las 18:00, ~~miércoles~~ no. ||Trae pasteles||",
    "Mirad https://flask.palletsprojects.com/ y [la guía de htmx](https://htmx.org/docs/)",
    "```python\ndef pagina(antes):\n    return select(Message).where(Message.id < antes).limit(50)\n```",
    "> ¿Cómo se pagina sin OFFSET?\nPor clave, @ana: `WHERE id < :antes` 🎉",
    "- uno\n- **dos**\n- `tres`\n\n1. primero\n2. segundo",
]
REACTIONS = ("👍", "❤️", "😂", "🎉")
INDEX_NAME = "ix_messages_channel_id_id"
CHUNK = 10_000
MAX_RATIO = 2.0  # p50 at 100,000 messages over p50 at 100 above this: history cost grows
MAX_ROWS_READ = 10 * 51  # MySQL: index entries/rows read by one history query (a page is 51)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL (sqlite:///... or mysql://...); default a fresh SQLite "
                             "file in a temporary directory. Its tables are dropped and recreated.")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per case (200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per case first (20)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed for the seeded data")
    parser.add_argument("--drop-existing", action="store_true",
                        help="allow dropping the tables of a database whose name has neither "
                             "'bench' nor 'test' in it")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be at least 1 and --warmup at least 0")
    return args


class BenchConfig(configuracion.Config):
    # A fixed key: do not create instance/secret_key as a side effect.
    SECRET_KEY = "charla-bench-not-secret"
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    PROPAGATE_EXCEPTIONS = True  # a failing view fails the benchmark loudly


# --------------------------------------------------------------------- database

def prepare_mysql_database(url: str, allow_any_name: bool) -> None:
    """Create the MySQL/MariaDB database named in `url` if it is missing."""
    parsed = make_url(configuracion.database_url(url))
    name = parsed.database
    if not name:
        sys.exit("The MySQL URL must name a database, e.g. mysql://root@127.0.0.1/charla_bench")
    check_droppable(name, allow_any_name)
    connection = pymysql.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 3306,
                                 user=parsed.username or "root", password=parsed.password or "",
                                 charset="utf8mb4")
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` "
                           "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        connection.close()


def check_droppable(name: str, allow_any_name: bool) -> None:
    lowered = name.lower()
    if not allow_any_name and "bench" not in lowered and "test" not in lowered:
        sys.exit(f"Refusing to drop the tables of {name!r}: its name has neither 'bench' nor 'test'. "
                 "Pass --drop-existing if you mean it.")


def rebuild_schema() -> None:
    """Drop every table in the database, then run the migrations (inside an app context)."""
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    metadata.drop_all(bind=db.engine)
    logging.disable(logging.INFO)  # Alembic's "Running upgrade ..." lines
    try:
        flask_migrate.upgrade()
    finally:
        logging.disable(logging.NOTSET)


def rendered(lines: list[str]) -> dict[str, str]:
    """Each distinct line rendered once, as the write path would store it."""
    return {line: formatting.render(line, {"ana"}) for line in lines}


def seed(rng: random.Random) -> dict:
    """One server, three users, a plain and a rich channel of 100 and of 100,000 messages.

    The small channels' messages are spread among the large ones' (ids
    interleaved, as in a real database where channels are written at once).
    Ids are given here so that replies can name earlier messages in one insert.
    """
    users = []
    for username, display in (("bench", "Bench Owner"), ("ana", "Ana García"), ("bruno", "Bruno Díaz")):
        first, _sep, last = display.partition(" ")
        user = User(username=username, username_key=username, email=f"{username}@example.com",
                    display_name=display, first_name=first, last_name=last,
                    birth_date=date(1995, 5, 17), password_hash="!bench-no-password")
        db.session.add(user)
        users.append(user)
    db.session.flush()
    owner = users[0]
    server = Server(name="Bench", description="open_channel benchmark", owner_id=owner.id,
                    member_count=len(users))
    db.session.add(server)
    db.session.flush()
    for user in users:
        db.session.add(Membership(user_id=user.id, server_id=server.id,
                                  role=ROLE_OWNER if user is owner else ROLE_MEMBER))
    channels = {}
    for position, (kind, size) in enumerate((k, n) for n in SIZES for k in KINDS):
        channel = Channel(server_id=server.id, name=f"{kind}-{size}", position=position)
        db.session.add(channel)
        channels[kind, size] = channel
    db.session.flush()
    db.session.commit()

    html = rendered(LINES + RICH_LINES)
    small, large = SIZES
    every = large // small  # one small-channel message after every `every` large-channel ones
    author_ids = [u.id for u in users]
    start = utcnow() - timedelta(days=30)
    next_id = 1
    recent: dict[int, list[int]] = {}  # channel id -> its last few message ids (reply targets)
    counts: dict[int, int] = {}
    rows, reactions, total = [], [], 0

    def add(kind: str, size: int, when) -> None:
        nonlocal next_id
        channel_id = channels[kind, size].id
        counts[channel_id] = counts.get(channel_id, 0) + 1
        rich = kind == "rich" and counts[channel_id] % 2 == 0  # half of the rich channel's messages
        content = rng.choice(RICH_LINES if rich else LINES)
        earlier = recent.setdefault(channel_id, [])
        reply_to = rng.choice(earlier) if rich and earlier else None
        rows.append({"id": next_id, "channel_id": channel_id, "author_id": rng.choice(author_ids),
                     "content": content, "content_html": html[content],
                     "render_version": formatting.RENDER_VERSION, "reply_to_id": reply_to,
                     "created_at": when})
        if rich:
            for user_id in rng.sample(author_ids, rng.randint(1, 3)):
                reactions.append({"message_id": next_id, "emoji": rng.choice(REACTIONS), "user_id": user_id,
                                  "created_at": when})
        earlier.append(next_id)
        del earlier[:-10]
        next_id += 1

    def flush() -> None:
        nonlocal rows, reactions, total
        db.session.execute(insert(Message), rows)
        # (message, emoji, user) is the key: one user's same emoji twice is one reaction.
        unique = {(r["message_id"], r["emoji"], r["user_id"]): r for r in reactions}
        if unique:
            db.session.execute(insert(MessageReaction), list(unique.values()))
        total += len(rows)
        rows, reactions = [], []

    for i in range(large):
        for kind in KINDS:
            add(kind, large, start + timedelta(seconds=20 * i))
        if i % every == every - 1:
            for kind in KINDS:
                add(kind, small, start + timedelta(seconds=20 * i + 5))
        if len(rows) >= CHUNK:
            flush()
    if rows:
        flush()
    db.session.commit()
    if db.engine.dialect.name == "mysql":
        # Fresh statistics after a bulk load, as a long-lived table would have.
        db.session.execute(text("ANALYZE TABLE messages, message_reactions"))
        db.session.commit()
    sessions.start_session(owner, "bench/open_channel.py", "127.0.0.1")
    return {"owner_id": owner.id, "owner_session_id": owner.get_id(), "server_id": server.id,
            "channels": {key: channel.id for key, channel in channels.items()}, "total": total}


def middle_id(channel_id: int, count: int) -> int:
    """The id of the channel's message in the middle of its history."""
    return db.session.scalar(select(Message.id).where(Message.channel_id == channel_id)
                             .order_by(Message.id).offset(count // 2).limit(1))


# ----------------------------------------------------------------- query plans

def history_statements(channel_id: int, before: int | None) -> list:
    """The statement(s) get_history() executes, caught as it runs."""
    caught = []
    session = db.session()

    def catch(state):
        # The page's own query, not the eager load of its mentions (by primary key).
        if state.is_select and not state.is_relationship_load:
            caught.append(state.statement)

    event.listen(session, "do_orm_execute", catch)
    try:
        message_service.get_history(channel_id, before=before, limit=50)
    finally:
        event.remove(session, "do_orm_execute", catch)
    return caught


def explain(statement) -> tuple[str, list[str], dict | None]:
    """The SQL with literal binds, its plan as lines, and (MySQL) the rows it reads."""
    sql = str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
            depth = {0: 0}
            lines = []
            for node_id, parent, _unused, detail in rows:
                depth[node_id] = depth.get(parent, 0) + 1
                lines.append("  " * depth[node_id] + detail)
            return sql, lines, None
        result = connection.exec_driver_sql("EXPLAIN " + sql)
        headers = list(result.keys())
        lines = format_table(headers, [["NULL" if v is None else str(v) for v in row]
                                       for row in result.all()])
        return sql, lines, handler_reads(connection, sql)


def handler_reads(connection, sql: str) -> dict:
    """Rows and index entries the server read to run `sql` once (session Handler_read_* deltas).

    EXPLAIN says which index; this says whether the scan stopped after a page.
    """
    def status():
        return {name: int(value) for name, value in
                connection.execute(text("SHOW SESSION STATUS LIKE 'Handler_read%'")).all()}

    before = status()
    connection.exec_driver_sql(sql).all()
    after = status()
    # The SHOW itself reads a few rows (Handler_read_rnd_next); measure it and subtract.
    baseline = status()
    deltas = {}
    for name, value in after.items():
        delta = (value - before.get(name, 0)) - (baseline.get(name, 0) - after.get(name, 0))
        if delta > 0:
            deltas[name] = delta
    return deltas


def format_table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=False)]

    def line(values):
        return "  ".join(str(v).rjust(w) if i in right else str(v).ljust(w)
                         for i, (v, w) in enumerate(zip(values, widths, strict=False))).rstrip()

    return [line(headers), line(["-" * w for w in widths])] + [line(row) for row in rows]


# -------------------------------------------------------------------- timing

class QueryCounter:
    """SQL statements sent by this thread (a background thread's polling is not counted)."""

    def __init__(self, engine):
        self.count = 0
        self.thread = threading.get_ident()
        event.listen(engine, "before_cursor_execute", self.on_execute)

    def on_execute(self, *args):
        if threading.get_ident() == self.thread:
            self.count += 1


def build_cases(ids: dict, middles: dict) -> list[dict]:
    sid = ids["server_id"]
    cases = []
    for size in SIZES:
        for kind in KINDS:
            cid = ids["channels"][kind, size]
            url = f"/servers/{sid}/channels/{cid}"
            cases.append({"name": "open channel, full page", "kind": kind, "size": size, "url": url,
                          "headers": {}, "expect": 50})
            cases.append({"name": "open channel, htmx", "kind": kind, "size": size, "url": url,
                          "headers": {"HX-Request": "true", "HX-Target": "main#messages-column"},
                          "expect": 50})
    for size in SIZES:
        for kind in KINDS:
            cid, before = ids["channels"][kind, size], middles[kind, size]
            cases.append({"name": "older page, before=middle", "kind": kind, "size": size,
                          "url": f"/servers/{sid}/channels/{cid}/messages?before={before}",
                          "headers": {"HX-Request": "true", "HX-Target": f"div#history-before-{before}"},
                          "expect": min(50, size // 2)})
    return cases


def run_cases(client, counter: QueryCounter, cases: list[dict], warmup: int, requests: int) -> None:
    for case in cases:
        case["times"], case["queries"], case["bytes"] = [], set(), None

    def one(case, timed):
        counter.count = 0
        started = time.perf_counter()
        response = client.get(case["url"], headers=case["headers"])
        body = response.get_data()
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{case['url']} -> {response.status_code}\n{body[:2000]!r}")
        if case["bytes"] is None:  # first response: check it shows one page of messages
            shown = body.count(b'<article id="message-')
            if shown != case["expect"]:
                raise SystemExit(f"{case['url']} showed {shown} messages, expected {case['expect']}")
            case["bytes"] = len(body)
        if timed:
            case["times"].append(elapsed * 1000)
            case["queries"].add(counter.count)

    for _ in range(warmup):
        for case in cases:
            one(case, timed=False)
    # Round-robin, so drift (other processes, CPU frequency) hits every case alike.
    for _ in range(requests):
        for case in cases:
            one(case, timed=True)


def load_average() -> str:
    """The 1-minute load average (other processes on the machine skew p95)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def compare(label: str, reference: dict, measured: dict, limit: float) -> bool:
    """Print p50 measured/reference and whether both sent the same queries; True if within `limit`."""
    ratio = statistics.median(measured["times"]) / statistics.median(reference["times"])
    same = reference["queries"] == measured["queries"] and len(reference["queries"]) == 1
    within = ratio <= limit
    print(f"{label} = {ratio:.2f}x{'' if within else f' (SLOWER: more than {limit:g}x)'}; "
          f"queries per request {'identical' if same else 'DIFFER'} "
          f"({sorted(reference['queries'])} vs {sorted(measured['queries'])})")
    return within and same


# --------------------------------------------------------------------- main

def main(argv=None) -> int:
    args = parse_args(argv)
    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0])] + sys.argv[1:])
    tempdir = None
    url = args.database_url
    if url is None:
        tempdir = tempfile.TemporaryDirectory(prefix="charla-bench-")
        url = f"sqlite:///{Path(tempdir.name) / 'bench.db'}"
    elif url.startswith(("mysql", "mariadb")):
        prepare_mysql_database(url, args.drop_existing)
    elif url.startswith("sqlite:///"):
        check_droppable(Path(url[len("sqlite:///"):]).name, args.drop_existing)

    class Config(BenchConfig):
        SQLALCHEMY_DATABASE_URI = url

    began = time.perf_counter()
    app = create_app(Config)
    try:
        with app.app_context():
            engine_url = db.engine.url.render_as_string(hide_password=True)
            dialect = db.engine.dialect
            rebuild_schema()
            server_version = ".".join(map(str, dialect.server_version_info or ())) or "?"
            seed_started = time.perf_counter()
            ids = seed(random.Random(args.seed))
            seed_seconds = time.perf_counter() - seed_started
            middles = {(kind, size): middle_id(ids["channels"][kind, size], size)
                       for kind in KINDS for size in SIZES}
            large = ("rich", SIZES[-1])
            large_cid = ids["channels"][large]
            plans = [("newest page (open channel)", history_statements(large_cid, None)),
                     (f"older page (before={middles[large]})",
                      history_statements(large_cid, middles[large]))]
            plans = [(label, explain(statement)) for label, statements in plans
                     for statement in statements]
            db.session.remove()

        with app.app_context():
            counter = QueryCounter(db.engine)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = ids["owner_session_id"]
            session["_fresh"] = True
        cases = build_cases(ids, middles)
        load_before = load_average()
        timing_started = time.perf_counter()
        run_cases(client, counter, cases, args.warmup, args.requests)
        timing_seconds = time.perf_counter() - timing_started
        load_after = load_average()
    finally:
        if tempdir is not None:
            with app.app_context():
                db.engine.dispose()
            tempdir.cleanup()

    print(f"$ {command}")
    print(f"database: {engine_url} ({dialect.name} {server_version}), python {sys.version.split()[0]}")
    print(f"seeded {ids['total']:,} messages in {seed_seconds:.1f} s (a plain and a rich channel of "
          f"{SIZES[0]:,} and of {SIZES[1]:,}, ids interleaved); page size 50")
    print(f"{args.warmup} warm-up + {args.requests} timed requests per case, round-robin; "
          f"timing took {timing_seconds:.1f} s; load average {load_before} before, {load_after} after")
    print()
    headers = ["case", "channel", "messages", "p50 ms", "p95 ms", "mean ms", "queries", "KiB"]
    rows = []
    for case in cases:
        times = case["times"]
        queries = "/".join(str(q) for q in sorted(case["queries"]))
        rows.append([case["name"], case["kind"], f"{case['size']:,}", f"{statistics.median(times):.2f}",
                     f"{percentile(times, 0.95):.2f}", f"{statistics.fmean(times):.2f}", queries,
                     f"{case['bytes'] / 1024:.1f}"])
    for line in format_table(headers, rows, right={2, 3, 4, 5, 6, 7}):
        print(line)

    print()
    ok = True
    by_key = {(case["name"], case["kind"], case["size"]): case for case in cases}
    names = list(dict.fromkeys(case["name"] for case in cases))
    for name in names:
        for kind in KINDS:
            small, large = (by_key[name, kind, size] for size in SIZES)
            ok = compare(f"{name}, {kind}: p50 {SIZES[1]:,}/{SIZES[0]:,}", small, large, MAX_RATIO) and ok
        for size in SIZES:
            plain, rich = (by_key[name, kind, size] for kind in KINDS)
            ok = compare(f"{name}, {size:,}: p50 rich/plain", plain, rich, RICH_MAX_RATIO) and ok

    print()
    print(f"Query plan of get_history() ({'EXPLAIN QUERY PLAN' if dialect.name == 'sqlite' else 'EXPLAIN'}),"
          f" channel of {SIZES[1]:,} messages:")
    for label, (sql, lines, reads) in plans:
        uses_index = any(INDEX_NAME in line for line in lines)
        ok = ok and uses_index
        print()
        print(f"-- {label}: {'uses' if uses_index else 'DOES NOT use'} {INDEX_NAME}")
        print(sql.strip())
        for line in lines:
            print("    " + line)
        if reads is not None:
            read = sum(v for k, v in reads.items() if k != "Handler_read_key")
            bounded = read <= MAX_ROWS_READ
            ok = ok and bounded
            shown = ", ".join(f"{k}={v}" for k, v in sorted(reads.items()))
            print(f"    rows read running it once: {shown}"
                  f"{'' if bounded else f'  <-- PROBLEM: {read:,} rows read for a page of 51'}")
    print()
    print(f"total {time.perf_counter() - began:.1f} s; {'OK' if ok else 'PROBLEM: see above'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
