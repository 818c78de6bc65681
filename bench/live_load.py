"""Benchmark: live delivery to N open streams, Charla beside a bare asyncio broadcaster.

For each N: seed N users (members of one server) and a poster, start
`python run.py` (and/or the production gunicorn command), open N streams to
GET /events/stream, post K messages at a steady rate, and time each message
from the POST being sent to its arrival on every stream. Then the same client
against bench/bare_broadcaster.py (no framework, no database: the practical
limit of one Python process). Storm cases: all N streams at once on a fresh
server, and a restart under them.

    python bench/live_load.py                                   # N = 100, 1,000, 5,000; SQLite
    python bench/live_load.py --streams 1000 --messages 200 --rate 20
    python bench/live_load.py --database-url mysql://root@127.0.0.1/charla_bench_live
    python bench/live_load.py --profile                         # py-spy on Charla at the largest N
    python bench/live_load.py --targets run,gunicorn --cases warm,cold,restart   # + production command, storms

Run from the project root with the virtualenv active. See bench/README.md.
"""
import argparse
import asyncio
import contextlib
import gc
import multiprocessing
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from array import array
from collections import Counter
from datetime import date
from pathlib import Path
from select import EPOLLIN, epoll
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import logging  # noqa: E402
import secrets  # noqa: E402

import flask_migrate  # noqa: E402
import httpx  # noqa: E402
import pymysql  # noqa: E402
from itsdangerous import URLSafeTimedSerializer  # noqa: E402
from sqlalchemy import MetaData, insert, select, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import configuracion  # noqa: E402
from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import ROLE_MEMBER, Membership, Server, User, UserSession, utcnow  # noqa: E402
from app.services import passwords, sessions  # noqa: E402
from app.services import servers as server_service  # noqa: E402

SECRET_KEY = "charla-bench-live-not-secret"
PASSWORD = "live load password"
USER_AGENT = "charla-live-load/1"
MARK = b"LTK"  # in the message content: "LTK" <seq, 6 digits> "T" <send time, monotonic microseconds, 16 digits>
HOST = "127.0.0.1"
P99_TARGET_MS = {1000: 50.0, 5000: 150.0}  # N up to 1,000: 50 ms; above: 150 ms
KB_PER_STREAM_TARGET = 30.0
STABLE_WAIT = 8.0  # seconds, at most, for the server's RSS to settle after opening
POST_TIMEOUT = 60.0  # seconds for one POST's answer; past it the run fails


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", default="100,1000,5000",
                        help="comma-separated numbers of open streams, each run with a fresh server "
                             "(100,1000,5000)")
    parser.add_argument("--messages", type=int, default=200, help="messages posted per run (200)")
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second (20)")
    parser.add_argument("--batch", type=int, default=200, help="streams opened at once (200)")
    parser.add_argument("--posters", type=int, default=8,
                        help="keep-alive connections the poster may use at once (8), so a slow "
                             "answer does not delay the next post")
    parser.add_argument("--clients", type=int, default=2,
                        help="receiver processes the streams are spread over (2); the poster runs in "
                             "the parent, so receiving never delays a post")
    parser.add_argument("--grace", type=float, default=30.0,
                        help="seconds to wait after the last post for deliveries still on the way (30)")
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL; default a fresh SQLite file per run in a temporary "
                             "directory. A MySQL database is dropped and recreated for every run.")
    parser.add_argument("--drop-existing", action="store_true",
                        help="allow dropping a database whose name has neither 'bench' nor 'test' in it")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare broadcaster")
    parser.add_argument("--targets", default="run",
                        help="comma-separated servers under test: run (python run.py on --database-url, one "
                             "process, no Redis) and gunicorn (the README's production command: gevent "
                             "workers, --gunicorn-database-url and --redis-url) (run)")
    parser.add_argument("--cases", default="warm",
                        help="comma-separated: warm (warm up, open the streams in batches, post and time "
                             "deliveries), cold (a fresh server with no warm-up, all N streams opened at once, "
                             "a few POSTs timed meanwhile), restart (cold, then the server killed and started "
                             "again under the open streams, which reconnect with Last-Event-ID) (warm)")
    parser.add_argument("--gunicorn-database-url", default="mysql://root@127.0.0.1/charla_bench_live_prod",
                        help="database of the gunicorn target, dropped and recreated for every run "
                             "(mysql://root@127.0.0.1/charla_bench_live_prod)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8",
                        help="REDIS_URL of the gunicorn target (redis://127.0.0.1:6379/8)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="gunicorn workers (one per core: %(default)s)")
    parser.add_argument("--storm-posts", type=int, default=5,
                        help="POSTs timed while a cold storm is on, one every 0.4 s from its start (5)")
    parser.add_argument("--storm-timeout", type=float, default=60.0,
                        help="seconds a storm (or the reconnection after a restart) may take; a stream "
                             "not open by then counts as a timeout (60)")
    parser.add_argument("--profile", nargs="?", const="max", default=None, metavar="N,...",
                        help="after the measured runs, one more Charla run at the largest N (or at each N "
                             "given) with py-spy (and perf, if installed) on the server while opening and "
                             "while posting; prints where the time goes")
    parser.add_argument("--top", type=int, default=15, help="functions shown per profile (15)")
    args = parser.parse_args(argv)
    try:
        args.streams = [int(n.replace("_", "")) for n in args.streams.split(",") if n.strip()]
        if args.profile == "max":
            args.profile = [max(args.streams or [0])]
        elif args.profile is not None:
            args.profile = [int(n.replace("_", "")) for n in args.profile.split(",") if n.strip()]
    except ValueError:
        parser.error("--streams and --profile take numbers separated by commas, e.g. 100,1000,5000")
    if not args.streams or min(args.streams) < 1 or args.messages < 1 or args.messages > 999_999:
        parser.error("--streams must be positive and --messages between 1 and 999,999")
    if args.rate <= 0 or args.batch < 1 or args.posters < 1 or args.clients < 1 or args.grace < 0:
        parser.error("--rate, --batch, --posters and --clients must be positive, --grace not negative")
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    args.cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if not args.targets or set(args.targets) - {"run", "gunicorn"}:
        parser.error("--targets takes run and/or gunicorn")
    if not args.cases or set(args.cases) - {"warm", "cold", "restart"}:
        parser.error("--cases takes warm, cold and/or restart")
    if args.workers < 1 or args.storm_posts < 0 or args.storm_timeout <= 0:
        parser.error("--workers and --storm-timeout must be positive, --storm-posts not negative")
    return args


class BenchConfig(configuracion.Config):
    SECRET_KEY = SECRET_KEY  # the server gets the same key: cookies minted here are valid there
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    REDIS_URL = None


# --------------------------------------------------------------------- database

def check_droppable(name: str, allow_any_name: bool) -> None:
    lowered = name.lower()
    if not allow_any_name and "bench" not in lowered and "test" not in lowered:
        sys.exit(f"Refusing to drop {name!r}: its name has neither 'bench' nor 'test'. "
                 "Pass --drop-existing if you mean it.")


def fresh_database(url: str | None, tmp: Path, n: int, allow_any_name: bool) -> str:
    """A new empty database for one run: an SQLite file, or a dropped and recreated MySQL database."""
    if url is None:
        return f"sqlite:///{tmp / f'live-{n}.db'}"
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        check_droppable(path.name, allow_any_name)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return url
    parsed = make_url(configuracion.database_url(url))
    if not parsed.database:
        sys.exit("The MySQL URL must name a database, e.g. mysql://root@127.0.0.1/charla_bench_live")
    check_droppable(parsed.database, allow_any_name)
    connection = pymysql.connect(host=parsed.host or HOST, port=parsed.port or 3306,
                                 user=parsed.username or "root", password=parsed.password or "")
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{parsed.database}`")
            cursor.execute(f"CREATE DATABASE `{parsed.database}` CHARACTER SET utf8mb4 "
                           "COLLATE utf8mb4_unicode_ci")
    finally:
        connection.close()
    return url


def seed(url: str, n: int) -> dict:
    """A poster (owner), a watcher (no servers) and N members of one server; N session cookies."""
    class Config(BenchConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        metadata = MetaData()
        metadata.reflect(bind=db.engine)
        metadata.drop_all(bind=db.engine)
        logging.disable(logging.INFO)  # Alembic's "Running upgrade ..." lines
        try:
            flask_migrate.upgrade()
        finally:
            logging.disable(logging.NOTSET)
        password_hash = passwords.hash_password(PASSWORD)  # one scrypt for every user

        def user_row(username: str) -> dict:
            return {"username": username, "username_key": username, "email": f"{username}@example.com",
                    "display_name": username.title(), "first_name": "Load", "last_name": username,
                    "birth_date": date(1990, 1, 1), "password_hash": password_hash}

        db.session.execute(insert(User), [user_row("poster"), user_row("watcher")])
        db.session.commit()
        poster = db.session.scalar(select(User).where(User.username_key == "poster"))
        watcher = db.session.scalar(select(User).where(User.username_key == "watcher"))
        server = server_service.create_server(poster, {"name": "Live Load", "description": "live_load.py"})
        channel = server_service.get_channels(server.id)[0]
        for start in range(0, n, 5000):
            db.session.execute(insert(User), [user_row(f"load{i:05d}") for i in range(start, min(n, start + 5000))])
        reader_ids = db.session.scalars(select(User.id).where(User.username_key.like("load%")).order_by(User.id)).all()
        db.session.execute(insert(Membership), [{"user_id": user_id, "server_id": server.id,
                                                 "role": ROLE_MEMBER} for user_id in reader_ids])
        # One signed-in session per reader (and the watcher), as a login would make.
        secrets_by_user = {user_id: secrets.token_urlsafe(32) for user_id in [*reader_ids, watcher.id, poster.id]}
        now = utcnow()
        db.session.execute(insert(UserSession), [
            {"user_id": user_id, "secret_hash": sessions.hash_secret(secret), "user_agent": USER_AGENT, "ip": HOST,
             "created_at": now, "last_seen_at": now} for user_id, secret in secrets_by_user.items()])
        db.session.execute(update(Server).where(Server.id == server.id).values(member_count=n + 1))
        db.session.commit()

        # "Log in" the N readers: their session cookies, signed as Flask would sign them.
        # Flask-Login's basic session protection compares `_id` with a hash of
        # address and User-Agent; a match leaves the session unmodified.
        serializer = app.session_interface.get_signing_serializer(app)
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": HOST},
                                      headers={"User-Agent": USER_AGENT}):
            identifier = app.login_manager._session_identifier_generator()
        cookies = [serializer.dumps({"_user_id": f"{user_id}:{secrets_by_user[user_id]}", "_fresh": True,
                                     "_id": identifier}) for user_id in reader_ids]
        watcher_cookie = serializer.dumps({"_user_id": f"{watcher.id}:{secrets_by_user[watcher.id]}", "_fresh": True,
                                           "_id": identifier})
        # The poster's too, with a CSRF token as Flask-WTF makes one: a cold storm sends no login first.
        raw_csrf = secrets.token_hex(20)
        poster_cookie = serializer.dumps({"_user_id": f"{poster.id}:{secrets_by_user[poster.id]}", "_fresh": True,
                                          "_id": identifier, "csrf_token": raw_csrf})
        poster_csrf = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw_csrf)
        result = {"server_id": server.id, "channel_id": channel.id, "cookies": cookies,
                  "watcher_cookie": watcher_cookie, "poster_cookie": poster_cookie, "poster_csrf": poster_csrf}
        db.session.remove()
        db.engine.dispose()
    return result


# ---------------------------------------------------------------- processes

# Written to <temp dir>/probe/sitecustomize.py and put on the server's PYTHONPATH: the
# interpreter imports it at startup (before run.py), and it times every cyclic GC pass.
# It changes nothing in the app; a gc.callbacks hook costs about a microsecond a pass.
GC_PROBE = """
import gc, os, time
_path = os.environ.get("CHARLA_BENCH_GC_LOG")
if _path:
    _log = open(_path, "a", buffering=1)
    _started = [0.0]

    def _charla_bench_gc_probe(phase, info, _log=_log, _started=_started, _now=time.monotonic):
        if phase == "start":
            _started[0] = _now()
            return
        took = _now() - _started[0]
        if info["generation"] == 2 or took > 0.001:
            _log.write(f"{_started[0]:.6f} {took * 1000:.3f} {info['generation']}\\n")

    gc.callbacks.append(_charla_bench_gc_probe)
"""


def gc_probe_env(tmp: Path, name: str) -> dict:
    """Environment that makes a server log its GC passes to <tmp>/<name>."""
    probe = tmp / "probe"
    probe.mkdir(exist_ok=True)
    (probe / "sitecustomize.py").write_text(GC_PROBE)
    log = tmp / name
    log.unlink(missing_ok=True)
    path = os.pathsep.join(filter(None, [str(probe), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path, "CHARLA_BENCH_GC_LOG": str(log)}


def gc_pauses(log: Path, start: float, end: float) -> dict:
    """GC passes that began within [start, end]: full collections, and the longest of any generation."""
    full, longest, total = [], 0.0, 0.0
    if log.exists():
        for line in log.read_text().splitlines():
            try:
                began, took, generation = float(line.split()[0]), float(line.split()[1]), int(line.split()[2])
            except (ValueError, IndexError):
                continue
            if start <= began <= end:
                longest = max(longest, took)
                total += took
                if generation == 2:
                    full.append(took)
    return {"full": len(full), "full_max": max(full, default=0.0), "longest": longest, "total_ms": total}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds every process of the machine has used (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:7]) - idle) / os.sysconf("SC_CLK_TCK")  # user..softirq; steal and guest left out


def listen_overflows() -> int:
    """TcpExt ListenOverflows, machine-wide: connections dropped because a listen queue was full."""
    lines = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines()
             if line.startswith("TcpExt:")]
    try:
        return int(lines[1][lines[0].index("ListenOverflows")])
    except (IndexError, ValueError):
        return 0


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (gunicorn's master and its workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo.extend(children.get(tree[-1], []))
    return tree


def start_time(pid: int) -> int | None:
    """When a process started (clock ticks after boot), or None if it is gone."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19])
    except (OSError, IndexError, ValueError):
        return None


class Process:
    """A server we started (with its children, if it forks workers): /proc figures, stopping it by pid."""

    def __init__(self, argv: list[str], env: dict, log: Path, port: int, quit_signal=signal.SIGTERM):
        self.port, self.log, self.env, self.quit_signal = port, log, env, quit_signal
        with open(log, "a") as output:  # the child keeps its own copy of the descriptor
            self.popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        self.pid = self.popen.pid

    def wait_ready(self, health_path: str | None, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()[-3000:]}")
            try:
                if health_path is None:
                    socket.create_connection((HOST, self.port), timeout=1).close()
                    return
                if httpx.get(f"http://{HOST}:{self.port}{health_path}", timeout=2).status_code == 200:
                    return
            except (OSError, httpx.HTTPError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log.read_text()[-3000:]}")

    def wait_idle(self, processes: int, seconds: float = 60) -> None:
        """Until `processes` processes run and their CPU time stops growing (workers booted, app imported):
        a cold start without sending any request."""
        deadline = time.monotonic() + seconds
        previous = -1.0
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()[-3000:]}")
            current = self.cpu_seconds()
            if len(process_tree(self.pid)) >= processes and 0 <= current - previous < 0.02:
                return
            previous = current
            time.sleep(0.5)
        raise RuntimeError(f"server did not settle:\n{self.log.read_text()[-3000:]}")

    def status_kb(self, field: str) -> int:
        """A /proc/<pid>/status field (VmRSS, VmHWM), summed over the process and its children."""
        total = 0
        for pid in process_tree(self.pid):
            try:
                lines = Path(f"/proc/{pid}/status").read_text().splitlines()
            except OSError:
                continue
            total += sum(int(line.split()[1]) for line in lines if line.startswith(field + ":"))
        return total

    def cpu_seconds(self) -> float:
        """utime + stime of the process and its children (gunicorn: master and every worker)."""
        total = 0.0
        for pid in process_tree(self.pid):
            with contextlib.suppress(OSError, IndexError, ValueError):
                total += cpu_seconds(pid)
        return total

    def stop(self) -> None:
        """The quit signal to the main process, then SIGKILL to whatever of its tree is left after 10 s."""
        tree = {pid: start_time(pid) for pid in process_tree(self.pid)}
        if self.popen.poll() is None:
            self.popen.send_signal(self.quit_signal)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(10)
        for pid, started in tree.items():
            if started is not None and start_time(pid) == started:  # still ours, not a reused pid
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        if self.popen.poll() is None:
            self.popen.wait()


class Profiler:
    """py-spy sampling one phase of the server: the Python functions on CPU.

    --nonblocking: the server is never paused. A sample taken while the server
    is inside a system call is counted idle and left out, so the percentages
    are of the time spent running Python code; NativeProfiler shows the rest.
    """

    def __init__(self, pid: int, output: Path):
        self.output = output
        self.native = NativeProfiler(pid, output.with_suffix(".perf")) if shutil.which("perf") else None
        self.popen = subprocess.Popen([py_spy(), "record", "--pid", str(pid), "--rate", "100", "--nonblocking",
                                       "--subprocesses", "--format", "raw", "--nolineno", "--output", str(output)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)  # attached

    def stop(self) -> None:
        for popen in [self.popen] + ([self.native.popen] if self.native else []):
            popen.send_signal(signal.SIGINT)
        for popen in [self.popen] + ([self.native.popen] if self.native else []):
            try:
                popen.wait(60)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()


class NativeProfiler:
    """perf sampling the same phase at the machine level: interpreter, kernel (by system call), GC."""

    GC_SYMBOLS = ("gc_collect", "visit_decref", "visit_reachable", "move_unreachable", "subtract_refs",
                  "update_refs", "deduce_unreachable", "move_legacy_finalizers", "_traverse", "traverse")

    def __init__(self, pid: int, output: Path):
        self.output = output
        self.popen = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(pid), "-o", str(output)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def report(self, *options: str) -> list[tuple[float, str]]:
        """(percent, name) rows of `perf report --stdio`."""
        try:
            text = subprocess.run(["perf", "report", "-i", str(self.output), "--stdio", "-g", "none", *options],
                                  capture_output=True, text=True, timeout=300).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        rows = []
        for line in text.splitlines():
            parts = line.split()
            if not parts or line.startswith("#") or not parts[0].endswith("%"):
                continue
            if "--children" in options:  # children%  self%  [k]  symbol
                rows.append((float(parts[0].rstrip("%")), parts[-1]))
            else:
                rows.append((float(parts[0].rstrip("%")), " ".join(parts[1:])))
        return rows

    def summary(self) -> list[str]:
        if not self.output.exists():
            return []
        by_object = self.report("--no-children", "--sort", "dso")
        if not by_object:
            return []

        def share(*needles: str) -> float:
            return sum(pct for pct, name in by_object if any(n in name for n in needles))

        python, kernel = share("libpython"), share("[kernel")
        gevent, libc = share("greenlet", "gevent"), share("libc.so")
        gc_share = sum(pct for pct, name in self.report("--no-children", "--sort", "sym")
                       if "[.]" in name and any(s in name for s in self.GC_SYMBOLS))
        calls = [(pct, name.removeprefix("__x64_sys_")) for pct, name in self.report("--children", "--sort", "sym")
                 if name.startswith("__x64_sys_") and pct >= 0.5]
        lines = [f"{python:5.1f}%  Python interpreter (libpython), of which {gc_share:.1f}% cyclic garbage collection",
                 f"{kernel:5.1f}%  kernel: " + (", ".join(f"{name} {pct:.1f}%" for pct, name in calls[:6])
                                               or "no system call over 0.5%"),
                 f"{gevent:5.1f}%  gevent and greenlet C code (event loop, greenlet switches)",
                 f"{libc:5.1f}%  libc (memcpy, malloc)",
                 f"{max(0.0, 100 - python - kernel - gevent - libc):5.1f}%  other (SQLite, C extensions)"]
        return lines


def py_spy() -> str | None:
    found = shutil.which("py-spy") or (Path(sys.executable).parent / "py-spy")
    return str(found) if Path(found).exists() else None


# ------------------------------------------------------------------- client

class Stats:
    """Deliveries seen by one receiver. counts[stream * K + seq]: frames of message seq on that stream."""

    def __init__(self, n: int, k: int):
        self.k = k
        self.expected = n * k
        self.counts = bytearray(n * k)
        self.latencies = array("d")  # seconds, first arrival of each (stream, message)
        self.first = array("d", [float("inf")]) * k  # per message: its earliest and latest arrival
        self.last = array("d", [0.0]) * k
        self.marked = 0  # frames carrying a message, duplicates included
        self.marked_bytes = 0
        self.last_arrival = 0.0
        self.done_at = 0.0  # when the last expected delivery arrived


class StreamClient(asyncio.BufferedProtocol):
    """One GET /events/stream over HTTP/1.1: de-chunk, split SSE frames, record arrivals.

    A message frame carries "LTK<seq:6><T><send time, monotonic microseconds:16>": CLOCK_MONOTONIC
    is the same in every process of the machine, so any receiver process can time it.
    """

    buffer = bytearray(256 * 1024)  # one receive buffer per process: each read is parsed at once
    view = memoryview(buffer)

    def __init__(self, index: int, request: bytes, stats: Stats, loop):
        self.base = index * stats.k
        self.request = request
        self.stats = stats
        self.transport = None
        self.head = bytearray()
        self.chunked = False
        self.raw = bytearray()
        self.left = 0
        self.sse = bytearray()
        self.started = time.monotonic()
        self.first_byte = 0.0
        self.opened = loop.create_future()
        self.closing = False
        self.lost_early = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"stream closed before opening ({exc})"))
        elif not self.closing:
            self.lost_early = True

    def get_buffer(self, sizehint: int):
        return StreamClient.view

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(StreamClient.buffer[:nbytes])

    def data_received(self, data) -> None:
        now = time.monotonic()
        if self.head is not None:
            if not self.first_byte:
                self.first_byte = now
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.head[:end]).lower()
            if not head.startswith(b"http/1.1 200"):
                if not self.opened.done():
                    self.opened.set_exception(ConnectionError(bytes(self.head[:300]).decode(errors="replace")))
                self.transport.close()
                return
            self.chunked = b"\r\ntransfer-encoding: chunked" in head
            data = self.head[end + 4:]
            self.head = None
        sse = self.sse
        if self.chunked:
            raw = self.raw
            raw += data
            pos, size, left = 0, len(raw), self.left
            while pos < size:
                if left:
                    take = min(left, size - pos)
                    sse += raw[pos:pos + take]
                    pos += take
                    left -= take
                    continue
                end = raw.find(b"\r\n", pos)
                if end < 0:
                    break
                if end != pos:  # a chunk-size line (an empty line ends the previous chunk)
                    left = int(raw[pos:end], 16)
                    if left == 0:
                        pos = size
                        break
                pos = end + 2
            self.left = left
            del raw[:pos]
        else:
            sse += data
        start = 0
        stats = self.stats
        while (end := sse.find(b"\n\n", start)) >= 0:
            i = sse.find(MARK, start, end)
            if i >= 0:
                seq = int(sse[i + 3:i + 9])
                slot = self.base + seq
                seen = stats.counts[slot]
                if seen == 0:
                    latency = now - int(sse[i + 10:i + 26]) * 1e-6
                    stats.latencies.append(latency)
                    if latency < stats.first[seq]:
                        stats.first[seq] = latency
                    if latency > stats.last[seq]:
                        stats.last[seq] = latency
                    if len(stats.latencies) == stats.expected:
                        stats.done_at = now
                if seen < 255:
                    stats.counts[slot] = seen + 1
                stats.marked += 1
                stats.marked_bytes += end + 2 - start
                stats.last_arrival = now
            elif not self.opened.done():
                self.opened.set_result(now)  # the opening frame (retry, comment)
            start = end + 2
        if start:
            del sse[:start]


def stream_request(port: int, cookie: str | None) -> bytes:
    lines = ["GET /events/stream HTTP/1.1", f"Host: {HOST}:{port}", f"User-Agent: {USER_AGENT}",
             "Accept: text/event-stream", "Cache-Control: no-cache"]
    if cookie:
        lines.append(f"Cookie: session={cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def open_streams(port: int, cookies: list[str | None], stats: Stats, batch: int) -> tuple[list, float]:
    """Open the streams `batch` at a time, each batch once every stream in it has its opening frame."""
    loop = asyncio.get_running_loop()
    clients = []
    began = time.monotonic()
    for start in range(0, len(cookies), batch):
        group = [StreamClient(i, stream_request(port, cookies[i]), stats, loop)
                 for i in range(start, min(len(cookies), start + batch))]
        results = await asyncio.gather(*(loop.create_connection(lambda c=c: c, HOST, port) for c in group),
                                       return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(group)} connections failed: {failed[0]!r}")
        await asyncio.wait_for(asyncio.gather(*(c.opened for c in group)), timeout=120)
        clients.extend(group)
    return clients, time.monotonic() - began


def receiver_main(conn, k: int) -> None:
    """A receiver process: opens its share of the streams and records what arrives."""
    raise_nofile()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    asyncio.run(receiver_loop(conn, k))


async def receiver_loop(conn, k: int) -> None:
    """Open the streams with asyncio, read them with a bare epoll loop, report."""
    command, *rest = conn.recv()
    if command == "storm":
        await storm_loop(conn, *rest)
        return
    if command != "open":
        return
    port, cookies, batch = rest
    stats = Stats(len(cookies), k)
    try:
        clients, seconds = await open_streams(port, cookies, stats, batch)
    except Exception as error:  # noqa: BLE001 - reported by the parent
        conn.send(("error", repr(error)))
        return
    conn.send(("opened", seconds, [c.first_byte - c.started for c in clients],
               [c.opened.result() - c.started for c in clients]))
    gc.collect()
    gc.freeze()  # collections stay cheap while frames arrive
    listen(conn, clients, stats)
    for client in clients:
        client.closing = True
        client.transport.close()
    conn.send(("results", stats.latencies.tobytes(), stats.expected, stats.marked, stats.marked_bytes,
               stats.last_arrival, sum(c.lost_early for c in clients), stats.first.tobytes(),
               stats.last.tobytes()))
    await asyncio.sleep(0.2)


def listen(conn, clients: list[StreamClient], stats: Stats) -> None:
    """Read every stream until the parent says "close".

    asyncio costs about 10 us of Python per readable socket; at 5,000 streams and
    20 messages a second that is a core, and the client would be what limits the
    figures. So the transports stop reading and this loop reads their sockets
    itself: epoll, one read into a shared buffer, the same parser.
    """
    poller = epoll()
    by_fd = {}
    for client in clients:
        client.transport.pause_reading()
        fd = client.transport.get_extra_info("socket").fileno()
        by_fd[fd] = client
        poller.register(fd, EPOLLIN)
    pipe = conn.fileno()
    poller.register(pipe, EPOLLIN)
    view, buffer, readv = StreamClient.view, StreamClient.buffer, os.readv
    reported = False
    try:
        while True:
            for fd, _events in poller.poll(0.5):
                if fd == pipe:
                    if conn.recv()[0] == "close":
                        return
                    continue
                try:
                    size = readv(fd, [view])
                except BlockingIOError:
                    continue
                except OSError:
                    size = 0
                if size:
                    by_fd[fd].data_received(buffer[:size])
                else:  # the server closed the stream
                    poller.unregister(fd)
                    by_fd[fd].lost_early = True
            if stats.done_at and not reported:
                conn.send(("done", stats.done_at))
                reported = True
    finally:
        poller.close()


class Receivers:
    """The receiver processes of one run (forked before the run's event loop starts)."""

    def __init__(self, count: int, k: int):
        context = multiprocessing.get_context("fork")
        self.conns, self.processes = [], []
        for _ in range(count):
            parent, child = context.Pipe()
            process = context.Process(target=receiver_main, args=(child, k), daemon=True)
            process.start()
            child.close()
            self.conns.append(parent)
            self.processes.append(process)

    def cpu_seconds(self) -> list[float]:
        return [cpu_seconds(p.pid) for p in self.processes]

    async def receive(self, conn, *expected: str):
        while True:
            message = await asyncio.to_thread(conn.recv)
            if message[0] == "error":
                raise RuntimeError(f"receiver: {message[1]}")
            if message[0] in expected:
                return message

    async def open(self, port: int, cookies: list[str | None], batch: int) -> tuple[float, list, list]:
        count = len(self.conns)
        shares = [cookies[i * len(cookies) // count:(i + 1) * len(cookies) // count] for i in range(count)]
        for conn, share in zip(self.conns, shares, strict=False):
            conn.send(("open", port, share, max(1, batch // count)))
        replies = await asyncio.gather(*(self.receive(conn, "opened") for conn in self.conns))
        return (max(r[1] for r in replies), sorted(x * 1000 for r in replies for x in r[2]),
                sorted(x * 1000 for r in replies for x in r[3]))

    async def wait_done(self, deadline: float) -> float | None:
        """The time the last receiver had every delivery, or None if some had not by `deadline`."""
        done = {}
        while len(done) < len(self.conns) and time.monotonic() < deadline:
            for index, conn in enumerate(self.conns):
                if index not in done and conn.poll():
                    try:
                        message = conn.recv()
                    except EOFError:
                        raise RuntimeError("a receiver process died (see its traceback above)") from None
                    if message[0] == "done":
                        done[index] = message[1]
            await asyncio.sleep(0.005)
        return max(done.values()) if len(done) == len(self.conns) else None

    async def close(self) -> dict:
        for conn in self.conns:
            conn.send(("close",))
        replies = await asyncio.gather(*(self.receive(conn, "results") for conn in self.conns))
        latencies = array("d")
        for reply in replies:
            latencies.frombytes(reply[1])
        totals = [sum(r[i] for r in replies) for i in (2, 3, 4, 6)]
        firsts, lasts = [array("d") for _ in replies], [array("d") for _ in replies]
        for reply, first, last in zip(replies, firsts, lasts, strict=False):
            first.frombytes(reply[7])
            last.frombytes(reply[8])
        # Per message, over every stream: when its first and its last copy arrived.
        first = [min(values) * 1000 for values in zip(*firsts, strict=False) if min(values) != float("inf")]
        last = [max(values) * 1000 for values in zip(*lasts, strict=False) if max(values) > 0]
        return {"latencies": sorted(x * 1000 for x in latencies), "expected": totals[0], "marked": totals[1],
                "marked_bytes": totals[2], "closed_early": totals[3],
                "last_arrival": max(r[5] for r in replies), "first": sorted(first), "last": sorted(last)}

    def stop(self) -> None:
        for process, conn in zip(self.processes, self.conns, strict=False):
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join()
            conn.close()


class StatusError(ConnectionError):
    """The server answered the stream with a status other than 200."""

    def __init__(self, status: int):
        super().__init__(f"HTTP {status}")
        self.status = status


ID_LINE = re.compile(rb"(?:^|\n)id: (\d+)\n")
RETRY_LINE = re.compile(rb"(?:^|\n)retry: (\d+)\n")


class Tab:
    """One stream as a browser's EventSource holds it: opens, keeps the last event id, reconnects."""

    def __init__(self, port: int, cookie: str | None):
        self.port, self.cookie = port, cookie
        self.last_id: int | None = None
        self.retry = 2.0  # seconds; the server's `retry:` replaces it
        self.opened_at = self.first_byte = self.lost_at = 0.0
        self.errors: Counter = Counter()
        self.connection: TabConnection | None = None
        self.lost = asyncio.Event()
        self.sent_last_id = False

    def request(self) -> bytes:
        head = stream_request(self.port, self.cookie)
        if self.last_id is None:
            return head
        self.sent_last_id = True
        return head[:-2] + f"Last-Event-ID: {self.last_id}\r\n\r\n".encode()

    async def open(self, deadline: float) -> bool:
        """One attempt; a failure is counted in self.errors by kind."""
        loop = asyncio.get_running_loop()
        connection = TabConnection(self, loop)
        started = time.monotonic()
        try:
            await asyncio.wait_for(loop.create_connection(lambda: connection, HOST, self.port),
                                   max(0.001, deadline - started))
            self.opened_at = await asyncio.wait_for(asyncio.shield(connection.opened),
                                                    max(0.001, deadline - time.monotonic()))
        except TimeoutError:
            self.errors["timeout"] += 1
            connection.abort()
            return False
        except ConnectionRefusedError:
            self.errors["refused"] += 1
            return False
        except StatusError as error:
            self.errors[f"HTTP {error.status}"] += 1
            return False
        except OSError:
            self.errors["reset"] += 1
            connection.abort()
            return False
        self.first_byte = connection.first_byte - started
        self.connection = connection
        return True

    async def reconnect(self, deadline: float) -> bool:
        """Once the stream is lost: wait `retry`, reconnect with Last-Event-ID, again until open or deadline."""
        try:
            await asyncio.wait_for(self.lost.wait(), max(0.001, deadline - time.monotonic()))
        except TimeoutError:
            self.errors["never closed"] += 1
            return False
        while time.monotonic() + self.retry < deadline:
            await asyncio.sleep(self.retry)
            if await self.open(deadline):
                return True
        return False

    def close(self) -> None:
        if self.connection:
            self.connection.closing = True
            self.connection.abort()


class TabConnection(asyncio.Protocol):
    """One connection of a Tab: the status line, the opening frame, event ids."""

    def __init__(self, tab: Tab, loop):
        self.tab = tab
        self.opened = loop.create_future()
        self.opened.add_done_callback(lambda f: f.cancelled() or f.exception())  # no "never retrieved" noise
        self.transport = None
        self.head = bytearray()
        self.tail = b""
        self.first_byte = 0.0
        self.closing = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.tab.request())

    def data_received(self, data: bytes) -> None:
        if self.head is not None:
            if not self.first_byte:
                self.first_byte = time.monotonic()
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            status = self.head[:self.head.find(b"\r\n")].split()
            data, self.head = bytes(self.head[end + 4:]), None
            if len(status) < 2 or status[1] != b"200":
                if not self.opened.done():
                    self.opened.set_exception(StatusError(int(status[1]) if len(status) > 1 and
                                                          status[1].isdigit() else 0))
                self.transport.close()
                return
        text = self.tail + data
        if not self.opened.done() and b"\n\n" in text:
            self.opened.set_result(time.monotonic())
        if ids := ID_LINE.findall(text):
            self.tab.last_id = int(ids[-1])
        if retry := RETRY_LINE.search(text):
            self.tab.retry = int(retry.group(1)) / 1000
        self.tail = text[-64:]

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionResetError(f"closed before the opening frame ({exc})"))
        elif not self.closing:
            self.tab.lost_at = time.monotonic()
            self.tab.lost.set()

    def abort(self) -> None:
        if self.transport:
            self.transport.abort()


async def storm_loop(conn, port: int, cookies: list[str | None], start_at: float, timeout: float) -> None:
    """A receiver's share of a storm: every stream at once at `start_at`, then reconnections on request."""
    tabs = [Tab(port, cookie) for cookie in cookies]
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    opened = await asyncio.gather(*(tab.open(start_at + timeout) for tab in tabs))
    errors = sum((tab.errors for tab in tabs), Counter())
    conn.send(("stormed", [tab.opened_at if ok else 0.0 for tab, ok in zip(tabs, opened, strict=True)],
               [tab.first_byte for tab, ok in zip(tabs, opened, strict=True) if ok], dict(errors),
               sum(not ok for ok in opened)))
    live = [tab for tab, ok in zip(tabs, opened, strict=True) if ok]
    while True:
        command, *rest = await asyncio.to_thread(conn.recv)
        if command == "ids":
            conn.send(("ids", sum(tab.last_id is not None for tab in live)))
        elif command == "arm":
            for tab in live:
                tab.errors = Counter()
            tasks = [asyncio.create_task(tab.reconnect(rest[0])) for tab in live]
            conn.send(("armed",))
            reconnected = await asyncio.gather(*tasks)
            errors = sum((tab.errors for tab in live), Counter())
            conn.send(("reconnected", [tab.opened_at - tab.lost_at if ok else -1.0
                                       for tab, ok in zip(live, reconnected, strict=True)],
                       [tab.opened_at if ok else 0.0 for tab, ok in zip(live, reconnected, strict=True)],
                       dict(errors), sum(tab.sent_last_id for tab in live)))
        elif command == "close":
            for tab in tabs:
                tab.close()
            conn.send(("closed",))
            await asyncio.sleep(0.2)
            return


class Poster:
    """Posts at a steady schedule over a few keep-alive connections, from the parent process."""

    def __init__(self, port: int, path: str, cookie: str | None, csrf: str | None):
        self.port = port
        self.echoes = cookie is not None  # Charla answers with the message's HTML; the bare one with "ok"
        headers = [f"POST {path} HTTP/1.1", f"Host: {HOST}:{port}", f"User-Agent: {USER_AGENT}",
                   "HX-Request: true", "Content-Type: application/x-www-form-urlencoded"]
        if cookie:
            headers.append(f"Cookie: session={cookie}")
        if csrf:
            headers.append(f"X-CSRFToken: {csrf}")
        self.head = "\r\n".join(headers) + "\r\nContent-Length: %d\r\n\r\n"
        self.pool: asyncio.Queue = asyncio.Queue()
        self.answer_ms: list[float] = []
        self.errors: Counter = Counter()
        self.late_ms: list[float] = []
        self.first_send = self.last_send = 0.0

    async def connect(self, connections: int) -> None:
        for _ in range(connections):
            self.pool.put_nowait(await asyncio.open_connection(HOST, self.port))

    async def post(self, seq: int, scheduled: float | None = None, marker: bool = True) -> str | None:
        """One POST; None, or what went wrong (the answer's status), which self.errors counts too."""
        reader, writer = await self.pool.get()
        for attempt in range(2):
            if reader.at_eof() or attempt:  # gunicorn closes keep-alive connections idle for 2 s
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, self.port)
            sent = time.monotonic()
            token = f"{MARK.decode()}{seq:06d}T{int(sent * 1e6):016d}" if marker else f"warmup{seq:06d}"
            body = b"content=" + quote_plus(f"live load {token}").encode()
            writer.write((self.head % len(body)).encode() + body)
            status = await reader.readline()
            if status:  # else closed before answering: the request was not read, send it again
                break
        if marker:
            self.last_send = sent
            if scheduled is not None:
                self.late_ms.append(max(0.0, sent - scheduled) * 1000)
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _sep, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        answer = await reader.readexactly(length)
        if marker:
            self.answer_ms.append((time.monotonic() - sent) * 1000)
        self.pool.put_nowait((reader, writer))
        if not status.startswith(b"HTTP/1.1 200") or (self.echoes and token.encode() not in answer):
            error = status.decode(errors="replace").strip() or "closed"
            if status.startswith(b"HTTP/1.1 200"):
                error = f"no echo in {answer[:200]!r}"
            self.errors[error] += 1
            return error
        return None

    async def run(self, k: int, rate: float) -> None:
        begin = time.monotonic() + 0.05
        self.first_send = begin
        tasks = []
        for seq in range(k):
            scheduled = begin + seq / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(asyncio.wait_for(self.post(seq, scheduled), POST_TIMEOUT)))
        await asyncio.gather(*tasks)

    def close(self) -> None:
        while not self.pool.empty():
            self.pool.get_nowait()[1].close()


def percentile(values, fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = values if isinstance(values, list) else sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def settled_rss(process: Process) -> int:
    """VmRSS (KiB) once two readings a second apart agree within 0.5%."""
    deadline = time.monotonic() + STABLE_WAIT
    previous = process.status_kb("VmRSS")
    while True:
        await asyncio.sleep(1.0)
        current = process.status_kb("VmRSS")
        if abs(current - previous) <= 0.005 * previous or time.monotonic() > deadline:
            return current
        previous = current


async def drive(kind: str, process: Process, receivers: Receivers, args, n: int, cookies: list[str | None],
                post_path: str, poster_cookie: str | None, csrf: str | None,
                watcher_cookie: str | None, profile_dir: Path | None, warm_count: int = 1,
                health: bool = False) -> dict:
    """The parent's side of one run: warm up, open N streams, post K messages, wait, close."""
    poster = Poster(process.port, post_path, poster_cookie, csrf)
    await poster.connect(max(args.posters, warm_count))

    # Warm up: posts (templates, first queries) and streams opened and closed (the hub starts),
    # `warm_count` of each at once so that every gunicorn worker most likely gets one.
    for i in range(warm_count):
        await asyncio.wait_for(poster.post(i, marker=False), POST_TIMEOUT)
    poster.errors.clear()
    warm, _ = await open_streams(process.port, [watcher_cookie] * warm_count, Stats(warm_count, 1), warm_count)
    for client in warm:
        client.closing = True
        client.transport.close()
    await asyncio.sleep(1.0)
    rss_before = process.status_kb("VmRSS")

    profiles = {}
    profiler = Profiler(process.pid, profile_dir / f"open-{n}.txt") if profile_dir else None
    overflows = listen_overflows()
    open_seconds, ttfb, opened = await receivers.open(process.port, cookies, args.batch)
    overflows = listen_overflows() - overflows
    if profiler:
        profiler.stop()
        profiles["opening"] = profiler
    rss_open = await settled_rss(process)
    server_streams = None
    if health:
        answer = await asyncio.to_thread(httpx.get, f"http://{HOST}:{process.port}/healthz", timeout=30)
        server_streams = answer.json()["streams"]

    profiler = Profiler(process.pid, profile_dir / f"post-{n}.txt") if profile_dir else None
    cpu_before, client_before, wall_before = process.cpu_seconds(), receivers.cpu_seconds(), time.monotonic()
    machine_before, own_before = machine_busy_seconds(), time.process_time()
    await poster.run(args.messages, args.rate)
    all_delivered = await receivers.wait_done(time.monotonic() + args.grace)
    end = all_delivered or time.monotonic()
    cpu_after, client_after = process.cpu_seconds(), receivers.cpu_seconds()
    machine_after, own_after = machine_busy_seconds(), time.process_time()
    window = end - wall_before
    others = ((machine_after - machine_before) - (cpu_after - cpu_before) - (own_after - own_before)
              - sum(a - b for a, b in zip(client_after, client_before, strict=False)))
    if profiler:
        profiler.stop()
        profiles["posting"] = profiler
    rss_after = process.status_kb("VmRSS")

    gc_log = Path(process.env.get("CHARLA_BENCH_GC_LOG", "/nonexistent"))
    pauses = gc_pauses(gc_log, wall_before, end)
    received = await receivers.close()
    poster.close()
    unique = len(received["latencies"])
    return {
        "kind": kind, "n": n, "open_s": open_seconds, "ttfb": ttfb, "opened": opened,
        "server_streams": server_streams, "latencies": received["latencies"],
        "msg_first": received["first"], "msg_last": received["last"],
        "lost": received["expected"] - unique, "dup": received["marked"] - unique,
        "expected": received["expected"], "closed_early": received["closed_early"],
        "frame_bytes": received["marked_bytes"] / received["marked"] if received["marked"] else 0,
        "kb_per_stream": (rss_open - rss_before) / n, "rss_before": rss_before, "rss_open": rss_open,
        "rss_after": rss_after, "hwm": process.status_kb("VmHWM"),
        "cpu_pct": 100 * (cpu_after - cpu_before) / window, "cpu_s": cpu_after - cpu_before,
        "client_pct": max(100 * (a - b) / window for a, b in zip(client_after, client_before, strict=False)),
        "client_pcts": [100 * (a - b) / window for a, b in zip(client_after, client_before, strict=False)],
        "window": window, "others_pct": max(0.0, 100 * others / window), "overflows": overflows,
        "post_rate": (args.messages - 1) / (poster.last_send - poster.first_send) if args.messages > 1 else 0,
        "answer_ms": sorted(poster.answer_ms), "late_ms": sorted(poster.late_ms), "post_errors": poster.errors,
        "drain_s": (received["last_arrival"] - poster.last_send) if received["last_arrival"] else float("nan"),
        "profiles": profiles, "gc": pauses,
    }


# --------------------------------------------------------------------- runs

class Target:
    """A server under test: python run.py, the README's production gunicorn command, or the bare broadcaster."""

    KINDS = {"run": "run.py", "gunicorn": "gunicorn", "bare": "bare"}

    def __init__(self, name: str, args, tmp: Path):
        self.name, self.kind, self.args, self.tmp = name, self.KINDS[name], args, tmp

    def database(self, n: int) -> str | None:
        """A fresh database for one run (None for the bare broadcaster)."""
        if self.name == "bare":
            return None
        if self.name == "gunicorn":
            return fresh_database(self.args.gunicorn_database_url, self.tmp, n, self.args.drop_existing)
        if self.args.database_url is None:
            for suffix in ("", "-wal", "-shm"):
                (self.tmp / f"live-{n}.db{suffix}").unlink(missing_ok=True)
        return fresh_database(self.args.database_url, self.tmp, n, self.args.drop_existing)

    def argv(self, port: int, n: int, frame_bytes: int = 900) -> list[str]:
        if self.name == "run":
            return [sys.executable, "run.py"]
        if self.name == "gunicorn":
            return [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
                    "-w", str(self.args.workers), "--worker-connections", str(n + 100), "-b", f"{HOST}:{port}",
                    "run:app"]
        return [sys.executable, str(ROOT / "bench" / "bare_broadcaster.py"), "--port", str(port),
                "--frame-bytes", str(frame_bytes)]

    def start(self, port: int, n: int, url: str | None, label: str, frame_bytes: int = 900) -> Process:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **gc_probe_env(self.tmp, f"gc-{label}.log")}
        if self.name != "bare":
            env.update({"DATABASE_URL": url, "CHARLA_INSTANCE_DIR": str(self.tmp), "HOST": HOST, "PORT": str(port),
                        "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": "0"})
            env.pop("CHARLA_ENV", None)
            env.pop("REDIS_URL", None)  # run.py: one process, local broker
        if self.name == "gunicorn":
            # Production settings, but plain HTTP: the poster's httpx client must send its cookie back.
            env.update({"CHARLA_ENV": "production", "COOKIE_SECURE": "0", "REDIS_URL": self.args.redis_url})
        quit_signal = signal.SIGQUIT if self.name == "gunicorn" else signal.SIGTERM  # gunicorn: quick shutdown
        return Process(self.argv(port, n, frame_bytes), env, self.tmp / f"{label}.log", port, quit_signal)

    def wait_ready(self, process: Process, cold: bool) -> None:
        """Warm: /healthz answers. Cold: the port accepts and the processes are idle, no request sent."""
        if self.name == "bare" or cold:
            process.wait_ready(None)
            if self.name != "bare":
                process.wait_idle(1 + (self.args.workers if self.name == "gunicorn" else 0))
        else:
            process.wait_ready("/healthz")

    def command(self, n: int) -> str:
        argv = self.argv(0, n)
        argv = ["python", "run.py"] if self.name == "run" else ["gunicorn", *argv[1:]]
        return " ".join(argv).replace(f"{HOST}:0", f"{HOST}:<port>")


def log_tail(process: Process) -> None:
    print(f"--- tail of {process.log} ---\n{process.log.read_text()[-3000:]}", file=sys.stderr)


def run_warm(target: Target, args, n: int, profile: bool = False, frame_bytes: int = 900) -> dict:
    """Warm up, open N streams in batches, post K messages, time every delivery."""
    url = target.database(n)
    ids = seed(url, n) if url else None
    port = free_port()
    receivers = Receivers(args.clients, args.messages)
    label = f"{target.name}-warm-{n}" + ("-prof" if profile else "")
    process = target.start(port, n, url, label, frame_bytes)
    try:
        target.wait_ready(process, cold=False)
        if ids is None:
            return asyncio.run(drive("bare", process, receivers, args, n, [None] * n, "/messages", None, None,
                                     None, None))
        with httpx.Client(base_url=f"http://{HOST}:{port}", headers={"User-Agent": USER_AGENT},
                          timeout=30) as http:
            page = http.get("/login").text
            http.post("/login", data={"login": "poster", "password": PASSWORD, "csrf_token": csrf_in(page)})
            home = http.get("/")
            if home.status_code != 200 or "/login" in str(home.url):
                raise RuntimeError("the poster could not log in")
            csrf, cookie = csrf_in(home.text), http.cookies["session"]
        path = f"/servers/{ids['server_id']}/channels/{ids['channel_id']}/messages"
        kind = target.kind + ("+prof" if profile else "")
        warm = 2 * args.workers if target.name == "gunicorn" else 1  # each worker, most likely
        return asyncio.run(drive(kind, process, receivers, args, n, ids["cookies"], path, cookie, csrf,
                                 ids["watcher_cookie"], target.tmp if profile else None, warm,
                                 health=target.name == "run"))
    except BaseException:
        log_tail(process)
        raise
    finally:
        process.stop()
        receivers.stop()


async def timed_post(port: int, path: str, cookie: str | None, csrf: str | None, at: float,
                     timeout: float) -> tuple[float, str | None]:
    """One POST at `at` on a fresh connection: (ms, None) or (ms, what went wrong)."""
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    poster = Poster(port, path, cookie, csrf)
    began = time.monotonic()
    try:
        await asyncio.wait_for(poster.connect(1), timeout)
        error = await asyncio.wait_for(poster.post(0, marker=False),
                                       max(0.001, timeout - (time.monotonic() - began)))
    except TimeoutError:
        error = "timeout"
    except (OSError, RuntimeError, asyncio.IncompleteReadError) as failure:
        error = str(failure)[:120] or type(failure).__name__
    finally:
        poster.close()
    return (time.monotonic() - began) * 1000, error


async def storm(target: Target, box: dict, receivers: Receivers, args, n: int, ids: dict | None,
                restart: bool) -> list[dict]:
    """All N streams at once on a server that has answered nothing yet; POSTs timed meanwhile;
    then, if `restart`, the server (box["process"]) killed and started again under the streams."""
    process = box["process"]
    port = process.port
    cookies = ids["cookies"] if ids else [None] * n
    path = f"/servers/{ids['server_id']}/channels/{ids['channel_id']}/messages" if ids else "/messages"
    cookie, csrf = (ids["poster_cookie"], ids["poster_csrf"]) if ids else (None, None)
    count = len(receivers.conns)
    shares = [cookies[i * n // count:(i + 1) * n // count] for i in range(count)]
    start_at = time.monotonic() + 0.5
    cpu_before, client_before = process.cpu_seconds(), receivers.cpu_seconds()
    for conn, share in zip(receivers.conns, shares, strict=True):
        conn.send(("storm", port, share, start_at, args.storm_timeout))
    posts = [asyncio.create_task(timed_post(port, path, cookie, csrf, start_at + 0.4 * i, args.storm_timeout))
             for i in range(args.storm_posts)]
    replies = await asyncio.gather(*(receivers.receive(conn, "stormed") for conn in receivers.conns))
    posted = await asyncio.gather(*posts)
    opened = [t - start_at for r in replies for t in r[1] if t]
    window = max(opened, default=0.0) or args.storm_timeout
    result = {
        "kind": target.kind, "n": n, "case": "cold", "connected": len(opened), "expected": n,
        "errors": sum((Counter(r[3]) for r in replies), Counter()),
        "all_s": max(opened) if len(opened) == n else None, "connect_ms": sorted(x * 1000 for x in opened),
        "first_byte_ms": sorted(x * 1000 for r in replies for x in r[2]),
        "post_ms": [ms_ for ms_, _error in posted], "post_errors": Counter(e for _ms, e in posted if e),
        "server_cpu_s": process.cpu_seconds() - cpu_before,
        "client_pcts": [100 * (a - b) / window for a, b in zip(receivers.cpu_seconds(), client_before, strict=True)],
        "window": window,
    }
    results = [result]
    if restart and not opened:
        result["note"] = "restart not run: no stream connected"
    if restart and opened:
        # One message, so the streams hold an event id to send back as Last-Event-ID.
        ms_, error = await timed_post(port, path, cookie, csrf, 0, args.storm_timeout)
        await asyncio.sleep(2.0)
        with_id = 0
        for conn in receivers.conns:
            conn.send(("ids",))
            with_id += (await receivers.receive(conn, "ids"))[1]
        deadline = time.monotonic() + 10 + args.storm_timeout
        for conn in receivers.conns:
            conn.send(("arm", deadline))
        await asyncio.gather(*(receivers.receive(conn, "armed") for conn in receivers.conns))
        client_before = receivers.cpu_seconds()
        killed_at = time.monotonic()
        process.stop()
        down_s = time.monotonic() - killed_at
        process = box["process"] = target.start(port, n, process.env.get("DATABASE_URL"),
                                                 f"{target.name}-restart-{n}")
        replies = await asyncio.gather(*(receivers.receive(conn, "reconnected") for conn in receivers.conns))
        back = [t - killed_at for r in replies for t in r[2] if t]
        errors = sum((Counter(r[3]) for r in replies), Counter())
        window = max(back, default=0.0) or args.storm_timeout
        results.append({
            "kind": target.kind, "n": n, "case": "restart", "connected": len(back), "expected": len(opened),
            "errors": errors, "all_s": max(back) if len(back) == len(opened) else None,
            "connect_ms": sorted(x * 1000 for x in back), "first_byte_ms": [],
            "post_ms": [ms_], "post_errors": Counter([error] if error else []), "down_s": down_s,
            "with_id": with_id, "sent_id": sum(r[4] for r in replies),
            "server_cpu_s": process.cpu_seconds(), "window": window,
            "client_pcts": [100 * (a - b) / window
                            for a, b in zip(receivers.cpu_seconds(), client_before, strict=True)],
        })
    for conn in receivers.conns:
        conn.send(("close",))
    await asyncio.gather(*(receivers.receive(conn, "closed") for conn in receivers.conns))
    return results


def run_storm(target: Target, args, n: int, restart: bool, frame_bytes: int = 900) -> list[dict]:
    """A fresh server, no warm-up request, then the storm (and the restart)."""
    url = target.database(n)
    ids = seed(url, n) if url else None
    port = free_port()
    receivers = Receivers(args.clients, 1)
    box = {"process": target.start(port, n, url, f"{target.name}-cold-{n}", frame_bytes)}
    try:
        target.wait_ready(box["process"], cold=True)
        return asyncio.run(storm(target, box, receivers, args, n, ids, restart))
    except BaseException:
        log_tail(box["process"])
        raise
    finally:
        box["process"].stop()
        receivers.stop()
        report_server_trouble(box["process"])


SERVER_TROUBLE = ("WORKER TIMEOUT", "Traceback", "ERROR", "CRITICAL")


def report_server_trouble(process: Process) -> None:
    """What the server logged that a storm should never cause (gunicorn killing a worker, tracebacks)."""
    text = process.log.read_text(errors="replace") if process.log.exists() else ""
    text = text.split("Handling signal:")[0]  # gevent workers told to quit print a SystemExit: not the storm's
    found = {marker: text.count(marker) for marker in SERVER_TROUBLE if marker in text}
    if found:
        print(f"server log {process.log.name}: " + ", ".join(f"{count} x {marker}" for marker, count in found.items()),
              file=sys.stderr)
        print(f"--- first trouble ---\n{text[max(0, text.find(next(iter(found))) - 500):][:2500]}", file=sys.stderr)


def csrf_in(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


# ------------------------------------------------------------------ report

def format_table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=False)]

    def line(values):
        return "  ".join(str(v).rjust(w) if i in right else str(v).ljust(w)
                         for i, (v, w) in enumerate(zip(values, widths, strict=False))).rstrip()

    return [line(headers), line(["-" * w for w in widths])] + [line(row) for row in rows]


def ms(value: float) -> str:
    return "-" if value != value else (f"{value:.1f}" if value < 100 else f"{value:,.0f}")


def p99_target(n: int) -> float:
    return P99_TARGET_MS[1000] if n <= 1000 else P99_TARGET_MS[5000]


def summarize_profile(path: Path, top: int) -> tuple[int, list, list, dict]:
    """Samples, top functions by own time and by total time (inclusive), and a breakdown by phase."""
    own, total, samples = Counter(), Counter(), 0
    groups = Counter()
    if not path.exists():
        return 0, [], [], {}
    for line in path.read_text().splitlines():
        stack, _sep, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        count = int(count)
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
        groups[classify(frames)] += count
    return samples, own.most_common(top), total.most_common(top), groups


# Innermost match wins: (prefix of a py-spy frame "function (file)", part of the server it stands for).
PHASES = [
    ("Hub.deliver (app/realtime/hub.py)", "hub dispatcher: deliver(), a frame into every subscriber's queue"),
    ("Renderer.", "hub dispatcher: loading and rendering the event"),
    ("Hub.dispatch_pending (app/realtime/hub.py)", "hub dispatcher: reading new events"),
    ("stream.<locals>.generate (app/realtime/views.py)", "stream greenlets: generate(), waiting on its queue"),
    ("WSGIHandler.process_result (gevent/pywsgi.py)", "stream greenlets: pywsgi writing chunks to the socket"),
    ("stream (app/realtime/views.py)", "stream view: subscribing, first frame"),
    ("post_message (app/chat/views.py)", "POST view: storing and rendering the message"),
    ("Flask.full_dispatch_request (flask/app.py)", "Flask request: login, session, before/after hooks"),
    ("WSGIHandler.handle (gevent/pywsgi.py)", "pywsgi: reading requests, WSGI environ, responses"),
]


def classify(frames: list[str]) -> str:
    """Which part of the server a sample belongs to."""
    for frame in reversed(frames):
        for prefix, name in PHASES:
            if frame.startswith(prefix):
                return name
    return "gevent hub, event loop, other"


def report(args, command: str, servers: list[str], results: list[dict], storms: list[dict], began: float,
           hard_limit: int) -> int:
    load = os.getloadavg()
    print(f"$ {command}")
    print(f"code: {git_state()}")
    print(f"python {sys.version.split()[0]}; {os.cpu_count()} CPUs; RLIMIT_NOFILE {hard_limit}; "
          f"load average now {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.clients} receiver processes")
    for line in servers:
        print(f"  {line}")
    print(f"{args.messages} messages at {args.rate:g}/s per run, {args.posters} poster connections, "
          f"streams opened {args.batch} at a time, up to {args.grace:g} s grace after the last post")
    print("latency = arrival of the complete SSE frame at the stream - the POST being written; "
          "ms over every (stream, message)")
    print()
    headers = ["server", "streams", "open all s", "1st B p50", "1st B p99", "lat p50", "p95", "p99", "max",
               "lost", "dup", "KB/stream", "CPU %", "CPU us/deliv", "client %", "client sum %", "other %",
               "posts/s", "POST p99", "POST err", "frame B"]
    rows = []
    for r in results:
        delivered = r["expected"] - r["lost"]
        rows.append([r["kind"], f"{r['n']:,}", f"{r['open_s']:.1f}", ms(percentile(r["ttfb"], .5)),
                     ms(percentile(r["ttfb"], .99)), ms(percentile(r["latencies"], .5)),
                     ms(percentile(r["latencies"], .95)), ms(percentile(r["latencies"], .99)),
                     ms(r["latencies"][-1] if r["latencies"] else float("nan")), f"{r['lost']:,}",
                     f"{r['dup']:,}", f"{r['kb_per_stream']:.1f}", f"{r['cpu_pct']:.0f}",
                     f"{1e6 * r['cpu_s'] / delivered:.1f}" if delivered else "-", f"{r['client_pct']:.0f}",
                     f"{sum(r['client_pcts']):.0f}",
                     f"{r['others_pct']:.0f}", f"{r['post_rate']:.1f}", ms(percentile(r["answer_ms"], .99)),
                     f"{sum(r['post_errors'].values())}", f"{r['frame_bytes']:.0f}"])
    for line in format_table(headers, rows, right=set(range(1, len(headers)))) if rows else []:
        print(line)
    print()
    print("open all: s to open the N streams, a batch at a time; 1st B: ms from connecting to the "
          "response's first bytes;")
    print("KB/stream: server VmRSS growth while the N streams are open / N;")
    print("CPU %: server utime+stime over the posting window (first post to last delivery) as % of one core;"
          " CPU us/deliv: that CPU time / deliveries;")
    print("CPU % sums the server's processes (gunicorn: master and workers), so it can pass 100;")
    print("client %: the busiest receiver process's CPU over the same window, client sum %: all of them; "
          "other %: CPU used meanwhile by every other process on the machine;")
    print("POST p99: ms for the poster's answer; frame B: mean SSE frame bytes.")
    print()
    for r in results:
        gc_info = r["gc"]
        print(f"{r['kind']} N={r['n']:,}:")
        print(f"    posting window {r['window']:.1f} s, last delivery {ms(r['drain_s'] * 1000)} ms after the last "
              f"post; POST p50 {ms(percentile(r['answer_ms'], .5))} ms; posts late p99 "
              f"{ms(percentile(r['late_ms'], .99))} ms")
        print(f"    per message, after its POST: first copy p50 {ms(percentile(r['msg_first'], .5))} / p99 "
              f"{ms(percentile(r['msg_first'], .99))} ms, last copy p50 {ms(percentile(r['msg_last'], .5))} / "
              f"p99 {ms(percentile(r['msg_last'], .99))} ms")
        print(f"    server RSS {r['rss_before'] / 1024:.0f} MiB idle, {r['rss_open'] / 1024:.0f} MiB with the "
              f"streams open, {r['rss_after'] / 1024:.0f} MiB after posting (peak {r['hwm'] / 1024:.0f} MiB)")
        if r["post_errors"]:
            print("    POSTs that failed (their messages count as lost on every stream): "
                  + ", ".join(f"{error} x{count}" for error, count in r["post_errors"].items()))
        print("    receivers' CPU: " + ", ".join(f"{x:.0f}%" for x in r["client_pcts"])
              + f" of a core each (total {sum(r['client_pcts']):.0f}%)")
        print(f"    cyclic GC while posting: {gc_info['full']} full collections (longest "
              f"{gc_info['full_max']:.0f} ms); {gc_info['total_ms']:.0f} ms in full collections and passes "
              f"over 1 ms")
        if r["overflows"]:
            print(f"    {r['overflows']:,} listen-queue overflows while opening (machine-wide count): "
                  "those connections waited for a SYN retransmit")
        if r["server_streams"] is not None and r["server_streams"] < r["n"]:
            print(f"    the server reported only {r['server_streams']:,} streams")
        if r["closed_early"]:
            print(f"    {r['closed_early']:,} streams closed by the server before the end")
        if r["others_pct"] > 25:
            print(f"    BUSY MACHINE: other processes used {r['others_pct']:.0f}% of a core meanwhile; "
                  "these figures are disturbed")

    by_n = {}
    for r in results:
        by_n.setdefault(r["n"], {})[r["kind"]] = r

    def ratio(x, y):
        return f"{x / y:.1f}x" if y and x == x and y == y else "-"

    if any("bare" in runs and len(runs) > 1 for runs in by_n.values()):
        print()
        print("Server / bare broadcaster (same invocation):")
        for n, runs in by_n.items():
            b = runs.get("bare")
            for kind, c in runs.items():
                if b is None or kind == "bare":
                    continue
                cd, bd = c["expected"] - c["lost"], b["expected"] - b["lost"]
                print(f"  {kind} N={n:,}: latency p50 "
                      f"{ratio(percentile(c['latencies'], .5), percentile(b['latencies'], .5))}, "
                      f"p99 {ratio(percentile(c['latencies'], .99), percentile(b['latencies'], .99))}; "
                      f"memory per stream {ratio(c['kb_per_stream'], b['kb_per_stream'])}; "
                      f"CPU per delivery {ratio(c['cpu_s'] / cd if cd else 0, b['cpu_s'] / bd if bd else 0)}; "
                      f"time to open all {ratio(c['open_s'], b['open_s'])}")
    if storms:
        report_storms(storms, ratio)

    print()
    print("Targets (Charla, warm): 0 lost, 0 duplicated; p99 < 50 ms up to N=1,000 and < 150 ms above; "
          f"< {KB_PER_STREAM_TARGET:g} KB server memory per open stream; storms: every stream connected, no errors")
    ok = True
    for r in results:
        if r["kind"] not in ("run.py", "gunicorn"):
            continue
        p99 = percentile(r["latencies"], .99)
        checks = [("lost", r["lost"] == 0, f"{r['lost']:,}"), ("duplicated", r["dup"] == 0, f"{r['dup']:,}"),
                  (f"p99 < {p99_target(r['n']):g} ms", p99 == p99 and p99 < p99_target(r["n"]), f"{ms(p99)} ms"),
                  (f"< {KB_PER_STREAM_TARGET:g} KB/stream", r["kb_per_stream"] < KB_PER_STREAM_TARGET,
                   f"{r['kb_per_stream']:.1f} KB"),
                  ("POSTs answered", not r["post_errors"], f"{sum(r['post_errors'].values())} failed")]
        missed = [f"{name} ({value})" for name, good, value in checks if not good]
        ok = ok and not missed
        print(f"  {r['kind']} N={r['n']:,}: " + ("all met" if not missed else "FALLS SHORT: " + ", ".join(missed)))
    for r in storms:
        if r["kind"] == "bare":
            continue
        errors = storm_errors(r)
        missed = ([f"connected {r['connected']:,}/{r['expected']:,}"] if r["connected"] < r["expected"] else []) + \
                 ([f"{errors:,} errors"] if errors else []) + \
                 ([f"{sum(r['post_errors'].values())} POSTs failed"] if r["post_errors"] else [])
        ok = ok and not missed
        print(f"  {r['kind']} {r['case']} N={r['n']:,}: " + ("all met" if not missed else
                                                             "FALLS SHORT: " + ", ".join(missed)))

    for r in results:
        for phase, profiler in r["profiles"].items():
            print_profile(r, phase, profiler, args.top)
    print()
    print(f"total {time.perf_counter() - began:.0f} s; {'OK' if ok else 'TARGETS MISSED: see above'}")
    return 0 if ok else 1


def storm_errors(r: dict) -> int:
    """Failed attempts that count as errors: 5xx and other statuses, resets, timeouts (after a restart,
    a refused connection while the server is down is expected and not counted)."""
    return sum(count for kind, count in r["errors"].items() if not (r["case"] == "restart" and kind == "refused"))


def report_storms(storms: list[dict], ratio) -> None:
    print()
    print("Storms: cold = a fresh server that has answered no request, all N streams opened at once (no batches),")
    print("POSTs timed meanwhile; restart = then the server killed (run.py SIGTERM, gunicorn SIGQUIT) and started")
    print("again: every stream waits its `retry:` and reconnects with Last-Event-ID, again until it is back.")
    headers = ["server", "streams", "case", "connected", "errors", "error kinds", "all in s", "open p50",
               "open p99", "POST max ms", "POST errors", "server CPU s", "client %", "client sum %"]
    rows = []
    for r in storms:
        kinds = ", ".join(f"{kind} {count:,}" for kind, count in sorted(r["errors"].items())) or "-"
        rows.append([r["kind"], f"{r['n']:,}", r["case"], f"{r['connected']:,}/{r['expected']:,}",
                     f"{storm_errors(r):,}", kinds, f"{r['all_s']:.2f}" if r["all_s"] is not None else "not all",
                     ms(percentile(r["connect_ms"], .5)), ms(percentile(r["connect_ms"], .99)),
                     ms(max(r["post_ms"], default=float("nan"))), f"{sum(r['post_errors'].values())}",
                     f"{r['server_cpu_s']:.1f}", f"{max(r['client_pcts'], default=0):.0f}",
                     f"{sum(r['client_pcts']):.0f}"])
    for line in format_table(headers, rows, right={1, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13}):
        print(line)
    print("connected: streams that got their opening frame (restart: of those open before it); all in s: from the")
    print("storm's start (restart: from the kill) to the last opening frame; open p50/p99: ms, same origin;")
    print("POST max: the slowest POST during the storm (restart: one POST before the kill); server CPU: all its")
    print("processes over the storm (restart: the new server's); client %: busiest receiver over the same window.")
    for r in storms:
        details = [r["note"]] if r.get("note") else []
        if r["post_errors"]:
            details.append("POST errors: " + ", ".join(f"{e} x{c}" for e, c in r["post_errors"].items()))
        if r["case"] == "restart":
            details.append(f"server down {r['down_s']:.1f} s; {r['with_id']:,} streams held an event id before the "
                           f"kill, {r['sent_id']:,} sent Last-Event-ID")
        if details:
            print(f"  {r['kind']} {r['case']} N={r['n']:,}: " + "; ".join(details))
    bare = {(r["n"], r["case"]): r for r in storms if r["kind"] == "bare" and r["all_s"]}
    lines = []
    for r in storms:
        b = bare.get((r["n"], r["case"]))
        if r["kind"] != "bare" and b:
            lines.append(f"  {r['kind']} {r['case']} N={r['n']:,}: time to connect all "
                         f"{ratio(r['all_s'], b['all_s']) if r['all_s'] else 'not all connected'}, open p99 "
                         f"{ratio(percentile(r['connect_ms'], .99), percentile(b['connect_ms'], .99))}")
    if lines:
        print("Storm, server / bare broadcaster:")
        print("\n".join(lines))


def git_state() -> str:
    """The commit benchmarked, and whether the working tree differs from it."""
    try:
        commit = subprocess.run(["git", "log", "-1", "--format=%h %s"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "app", "run.py",
                                  "configuracion.py", "templates"], cwd=ROOT, capture_output=True, text=True,
                                 timeout=10).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return "?"
    changed = [line[3:] for line in changed if line.strip()]
    return commit[:80] + (f" + uncommitted changes to {len(changed)} app files" if changed else "")


def print_profile(r: dict, phase: str, profiler: Profiler, top: int) -> None:
    samples, own, total, groups = summarize_profile(profiler.output, top)
    print()
    native = profiler.native.summary() if profiler.native else []
    if native:
        print(f"Profile of Charla's server while {phase} (N={r['n']:,}), native (perf, 499 Hz): CPU time in")
        for line in native:
            print(f"    {line}")
    print(f"Profile of Charla's server while {phase} (N={r['n']:,}), Python (py-spy, 100 Hz, "
          f"{samples:,} samples running Python code):")
    if not samples:
        error = profiler.popen.stderr.read().decode(errors="replace").strip() if profiler.popen.stderr else ""
        print(f"  no samples ({error[-300:] or 'py-spy wrote nothing'})")
        return
    print("  where the time goes:")
    for name, count in groups.most_common():
        print(f"    {100 * count / samples:5.1f}%  {name}")
    print(f"  top {top} functions by own time:")
    for name, count in own:
        print(f"    {100 * count / samples:5.1f}%  {name}")
    print(f"  top {top} functions by total time (callees included):")
    for name, count in total:
        print(f"    {100 * count / samples:5.1f}%  {name}")


# --------------------------------------------------------------------- main

def main(argv=None) -> int:
    args = parse_args(argv)
    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0])] + sys.argv[1:])
    hard_limit = raise_nofile()  # the servers inherit it
    if max(args.streams) + 100 > hard_limit:
        sys.exit(f"RLIMIT_NOFILE hard limit is {hard_limit}: too low for {max(args.streams):,} streams")
    if args.profile and not py_spy():
        sys.exit("--profile needs py-spy: pip install py-spy (into the virtualenv)")
    began = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="charla-live-load-"))
    targets = [Target(name, args, tmp) for name in args.targets]
    bare = [] if args.no_bare else [Target("bare", args, tmp)]
    results, storms = [], []

    def progress(what: str) -> None:
        print(f"[{time.perf_counter() - began:5.0f} s] {what} ...", file=sys.stderr, flush=True)

    try:
        for n in args.streams:
            frame_bytes = 0
            if "warm" in args.cases:
                for target in targets:
                    progress(f"{target.kind}, {n:,} streams, warm")
                    results.append(run_warm(target, args, n))
                    frame_bytes = frame_bytes or round(results[-1]["frame_bytes"])
                for target in bare:
                    progress(f"bare broadcaster, {n:,} streams, warm")
                    results.append(run_warm(target, args, n, frame_bytes=frame_bytes or 900))
            if "cold" in args.cases or "restart" in args.cases:
                for target in targets + bare:
                    progress(f"{target.kind}, {n:,} streams, cold storm"
                             + (" and restart" if "restart" in args.cases else ""))
                    storms.extend(run_storm(target, args, n, "restart" in args.cases, frame_bytes or 900))
        # Profiled runs come after, on their own: the profilers' CPU does not touch the figures above.
        for n in args.profile or []:
            for target in targets:
                progress(f"{target.kind}, {n:,} streams, profiled")
                results.append(run_warm(Target(target.name, args, tmp), args, n, profile=True))
        servers = []
        for target in targets:
            if target.name == "run":
                url = args.database_url or "sqlite:///<temp dir>/live-<N>.db (a fresh file per run)"
                servers.append(f"run.py: python run.py; DATABASE_URL={url}; no REDIS_URL (one process)")
            else:
                servers.append(f"gunicorn: {target.command(max(args.streams))} (worker-connections N + 100); "
                               f"DATABASE_URL={args.gunicorn_database_url}; REDIS_URL={args.redis_url}; "
                               "CHARLA_ENV=production COOKIE_SECURE=0")
        if bare:
            servers.append("bare: python bench/bare_broadcaster.py (asyncio, no framework, no database)")
        return report(args, command, servers, results, storms, began, hard_limit)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
