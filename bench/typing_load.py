"""Benchmark: what typing indicators cost message delivery, on one `python run.py` process.

N streams stay open (default 1,000, members of one server) while a poster
sends K messages at a steady rate, each timed from its POST to its arrival
on every stream (as bench/live_load.py does). In the typing phase, T of the
members (default 100) type continuously: each sends the typing signal every
3 s, as the composer does while someone types, from client processes of
their own. Phases, in one invocation on one server:

  reference     no typing
  typing        T members typing the whole time
  reference-2   no typing again (the machine's drift during the run)

Reported per phase: delivery p50/p99, typing signals per second sent and
frames per second written to streams, server CPU, and every client
process's CPU.

    python bench/typing_load.py
    python bench/typing_load.py --streams 500 --typists 50

Run from the project root with the virtualenv active.
"""
import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from itsdangerous import URLSafeTimedSerializer  # noqa: E402

from app import create_app  # noqa: E402
from bench.live_load import (  # noqa: E402
    HOST,
    SECRET_KEY,
    USER_AGENT,
    BenchConfig,
    Poster,
    Process,
    Receivers,
    cpu_seconds,
    format_table,
    free_port,
    percentile,
    raise_nofile,
    seed,
)

TYPING_EVERY = 3.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--typists", type=int, default=100)
    parser.add_argument("--messages", type=int, default=150, help="timed messages per phase")
    parser.add_argument("--rate", type=float, default=10.0, help="timed messages per second")
    parser.add_argument("--clients", type=int, default=2, help="receiver processes")
    parser.add_argument("--typing-clients", type=int, default=2, help="processes sending typing signals")
    parser.add_argument("--grace", type=float, default=60.0)
    return parser.parse_args(argv)


def typist_credentials(url: str, cookies: list[str]) -> list[tuple[str, str]]:
    """Each typist's session cookie with a CSRF token in it, and the token, as Flask-WTF makes them."""
    class Config(BenchConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    serializer = app.session_interface.get_signing_serializer(app)
    tokens = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    result = []
    for cookie in cookies:
        session = serializer.loads(cookie)
        raw = os.urandom(20).hex()
        session["csrf_token"] = raw
        result.append((serializer.dumps(session), tokens.dumps(raw)))
    return result


def typing_main(conn, port: int, path: str, credentials: list[tuple[str, str]], seconds: float) -> None:
    """Every typist signals every TYPING_EVERY seconds (staggered) for `seconds`; report how many and CPU."""
    async def run() -> tuple[int, int]:
        sent = errors = 0
        limits = httpx.Limits(max_connections=len(credentials), max_keepalive_connections=len(credentials))
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", limits=limits, timeout=30,
                                     headers={"User-Agent": USER_AGENT}) as http:
            async def typist(index: int, cookie: str, token: str) -> None:
                nonlocal sent, errors
                await asyncio.sleep(TYPING_EVERY * index / len(credentials))
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    began = time.monotonic()
                    response = await http.post(path, headers={"X-CSRFToken": token, "Cookie": f"session={cookie}"})
                    sent += 1
                    errors += response.status_code != 204
                    await asyncio.sleep(max(0.0, TYPING_EVERY - (time.monotonic() - began)))
            await asyncio.gather(*(typist(i, c, t) for i, (c, t) in enumerate(credentials)))
        return sent, errors

    sent, errors = asyncio.run(run())
    conn.send((sent, errors, time.process_time()))
    conn.close()


async def phase(name: str, process: Process, ids: dict, args, typists, context) -> dict:
    port = process.port
    path = f"/servers/{ids['server_id']}/channels/{ids['channel_id']}/messages"
    receivers = Receivers(args.clients, args.messages)
    await receivers.open(port, ids["cookies"], 200)
    poster = Poster(port, path, ids["poster_cookie"], ids["poster_csrf"])
    await poster.connect(4)
    senders = []
    duration = args.messages / args.rate + 2
    if typists:
        typing_path = f"/servers/{ids['server_id']}/channels/{ids['channel_id']}/typing"
        for k in range(args.typing_clients):
            parent, child = context.Pipe()
            share = typists[k::args.typing_clients]
            proc = context.Process(target=typing_main, args=(child, port, typing_path, share, duration), daemon=True)
            proc.start()
            senders.append((proc, parent))
        await asyncio.sleep(TYPING_EVERY)  # every typist is typing before the timed messages start
    server_cpu, wall = process.cpu_seconds(), time.monotonic()
    await poster.run(args.messages, args.rate)
    await receivers.wait_done(time.monotonic() + args.grace)
    sent = errors = 0
    sender_cpu = []
    for proc, parent in senders:
        count, failed, cpu = await asyncio.to_thread(parent.recv)
        sent, errors = sent + count, errors + failed
        sender_cpu.append(cpu)
        proc.join(5)
    window = time.monotonic() - wall
    server_cpu = process.cpu_seconds() - server_cpu
    client_cpu = [cpu_seconds(p.pid) for p in receivers.processes]
    received = await receivers.close()
    receivers.stop()
    poster.close()
    signals_per_s = sent / (duration + (TYPING_EVERY if typists else 0)) if typists else 0.0
    return {"phase": name, "latencies": received["latencies"],
            "lost": received["expected"] - len(received["latencies"]), "signals_per_s": signals_per_s,
            "frames_per_s": signals_per_s * (args.streams - 1), "errors": errors,
            "server_cpu_pct": 100 * server_cpu / window,
            "client_cpu": [100 * c / window for c in client_cpu] + [100 * c / window for c in sender_cpu],
            "post_errors": dict(poster.errors)}


def main(argv=None) -> int:
    args = parse_args(argv)
    raise_nofile()
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="charla-bench-typing-") as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'typing.db'}"
        ids = seed(url, args.streams)
        typists = typist_credentials(url, ids["cookies"][:args.typists])
        port = free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "DATABASE_URL": url, "CHARLA_INSTANCE_DIR": str(tmp),
               "HOST": HOST, "PORT": str(port), "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": "0"}
        env.pop("CHARLA_ENV", None)
        env.pop("REDIS_URL", None)
        process = Process([sys.executable, "run.py"], env, tmp / "server.log", port)
        try:
            process.wait_ready("/healthz")
            warm_up = argparse.Namespace(**{**vars(args), "messages": 20})
            asyncio.run(phase("warm-up", process, ids, warm_up, typists[:5], context))
            results = [asyncio.run(phase(name, process, ids, args, t, context))
                       for name, t in (("reference", None), ("typing", typists), ("reference-2", None))]
        except BaseException:
            print(process.log.read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            process.stop()
    print(f"\nbench/typing_load.py: {args.streams} streams, {args.messages} timed messages at {args.rate}/s, "
          f"{args.typists} members typing (a signal each every {TYPING_EVERY:.0f} s), one run.py process, SQLite")
    rows = [[r["phase"], f"{percentile(r['latencies'], 0.5):.1f}", f"{percentile(r['latencies'], 0.99):.1f}",
             str(r["lost"]), f"{r['signals_per_s']:.1f}", f"{r['frames_per_s']:,.0f}", f"{r['server_cpu_pct']:.0f}%",
             " ".join(f"{c:.0f}%" for c in r["client_cpu"])] for r in results]
    for line in format_table(["phase", "p50 ms", "p99 ms", "lost", "typing signals/s", "typing frames/s",
                              "server CPU", "client CPU (receivers, typists)"], rows, right={1, 2, 3, 4, 5, 6}):
        print(line)
    reference = percentile(results[0]["latencies"], 0.99)
    print(f"typing: p99 {percentile(results[1]['latencies'], 0.99) / reference:.2f}x the reference "
          f"(reference-2: {percentile(results[2]['latencies'], 0.99) / reference:.2f}x)")
    for r in results:
        if r["errors"] or r["post_errors"]:
            print(f"{r['phase']}: typing errors {r['errors']}, post errors {r['post_errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
