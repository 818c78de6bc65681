"""Benchmark: what image uploads cost everyone else, on one `python run.py` process.

N streams stay open (default 500) while a poster sends K small messages at a
steady rate; each message is timed from its POST to its arrival on every
stream (as bench/live_load.py does). Beside them, a few watch streams record
every heartbeat (LIVE_HEARTBEAT_SECONDS=1): a stalled event loop shows as a
long gap. Phases, all in one invocation on one server:

  (warm-up)     20 messages, not reported: the server's first streams and posts
  reference     no uploads: the figures to compare with
  uploads-cold  U images of S MB uploaded at once (default 50 x 5 MB) on a server
                that has never decoded an image
  uploads-warm  the same again
  burst-no-files  the same U messages at once, without files: the control that
                separates the cost of the files from that of delivering U more
                messages to every stream at once
  reference-2   no uploads again (drift of the machine during the run)

The report gives, per phase, delivery p50/p99, the longest heartbeat gap,
upload throughput (MB/s and images/s) and the CPU of the server and of each
client process (so it is visibly not the bottleneck).

    python bench/uploads.py
    python bench/uploads.py --streams 200 --uploads 20 --size-mb 2 --messages 100
    python bench/uploads.py --database-url mysql://root@127.0.0.1/charla_bench_uploads

Run from the project root with the virtualenv active.
"""
import argparse
import asyncio
import io
import multiprocessing
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from PIL import Image  # noqa: E402

from bench.live_load import (  # noqa: E402
    HOST,
    SECRET_KEY,
    USER_AGENT,
    Poster,
    Process,
    Receivers,
    cpu_seconds,
    format_table,
    free_port,
    fresh_database,
    percentile,
    raise_nofile,
    seed,
    stream_request,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=500, help="open streams (members of the server)")
    parser.add_argument("--uploads", type=int, default=50, help="images uploaded at once per upload phase")
    parser.add_argument("--size-mb", type=float, default=5.0, help="size of each image (a PNG of noise)")
    parser.add_argument("--messages", type=int, default=150, help="timed messages per phase")
    parser.add_argument("--rate", type=float, default=10.0, help="timed messages per second")
    parser.add_argument("--clients", type=int, default=2, help="receiver processes for the streams")
    parser.add_argument("--uploaders", type=int, default=5, help="processes sending the uploads (threads inside)")
    parser.add_argument("--watchers", type=int, default=5, help="streams that record heartbeats")
    parser.add_argument("--grace", type=float, default=60.0, help="seconds to wait for the last deliveries")
    parser.add_argument("--database-url", default=None,
                        help="MySQL/MariaDB database to drop and refill (its name must contain 'bench'); "
                             "default a fresh SQLite file")
    return parser.parse_args(argv)


def noise_png(size_mb: float) -> bytes:
    """A PNG of random pixels of about `size_mb` (noise does not compress: every byte must be decoded)."""
    side = int((size_mb * 1024 * 1024 / 3) ** 0.5)
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def uploader_main(conn, port: int, path: str, cookie: str, csrf: str, image: bytes, count: int, first: int,
                  start_at: float) -> None:
    """Send `count` uploads at once (a thread each) at `start_at`; report each one's time and status."""
    results = []

    def one(index: int) -> None:
        with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=300,
                          headers={"User-Agent": USER_AGENT, "HX-Request": "true", "X-CSRFToken": csrf},
                          cookies={"session": cookie}) as http:
            delay = start_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            began = time.monotonic()
            files = {"files": (f"photo-{index}.png", image, "image/png")} if image else None
            response = http.post(path, data={"content": f"photo {index}"}, files=files)
            results.append((began, time.monotonic(), response.status_code))

    threads = [threading.Thread(target=one, args=(first + i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    conn.send((results, time.process_time()))
    conn.close()


def watcher_main(conn, port: int, cookie: str, count: int) -> None:
    """Hold `count` streams; on request, report the longest gap between heartbeats (or frames) on any."""
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((HOST, port))
        sock.sendall(stream_request(port, cookie))
        sock.setblocking(False)
        sockets.append(sock)
    last = {sock: time.monotonic() for sock in sockets}
    gaps = []
    import selectors
    selector = selectors.DefaultSelector()
    for sock in sockets:
        selector.register(sock, selectors.EVENT_READ)
    while True:
        if conn.poll():
            command = conn.recv()
            if command == "reset":
                gaps, now = [], time.monotonic()
                last = dict.fromkeys(sockets, now)
                continue
            conn.send((gaps, time.process_time()))
            break
        for key, _events in selector.select(timeout=0.05):
            data = key.fileobj.recv(65536)
            now = time.monotonic()
            if data:
                gaps.append(now - last[key.fileobj])
                last[key.fileobj] = now
    for sock in sockets:
        sock.close()


async def phase(name: str, process: Process, ids: dict, args, image: bytes | None, context) -> dict:
    port = process.port
    path = f"/servers/{ids['server_id']}/channels/{ids['channel_id']}/messages"
    receivers = Receivers(args.clients, args.messages)
    await receivers.open(port, ids["cookies"], 200)
    watch_parent, watch_child = context.Pipe()
    watcher = context.Process(target=watcher_main, args=(watch_child, port, ids["watcher_cookie"], args.watchers),
                              daemon=True)
    watcher.start()
    await asyncio.sleep(2.5)  # the watch streams are open and have seen a heartbeat or two
    watch_parent.send("reset")
    poster = Poster(port, path, ids["poster_cookie"], ids["poster_csrf"])
    await poster.connect(4)
    uploaders = []
    start_at = time.monotonic() + 1.0
    if image is not None:  # b"" : the same burst of messages without files (the control)
        shares = [args.uploads // args.uploaders + (i < args.uploads % args.uploaders) for i in range(args.uploaders)]
        first = 0
        for share in shares:
            parent, child = context.Pipe()
            proc = context.Process(target=uploader_main, daemon=True,
                                   args=(child, port, path, ids["poster_cookie"], ids["poster_csrf"], image, share,
                                         first, start_at))
            proc.start()
            uploaders.append((proc, parent))
            first += share
    server_cpu, wall = process.cpu_seconds(), time.monotonic()
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    await poster.run(args.messages, args.rate)
    await receivers.wait_done(time.monotonic() + args.grace)
    uploads, upload_cpu = [], []
    for proc, parent in uploaders:
        results, cpu = await asyncio.to_thread(parent.recv)
        uploads.extend(results)
        upload_cpu.append(cpu)
        proc.join(5)
    window = time.monotonic() - wall
    server_cpu = process.cpu_seconds() - server_cpu
    watch_parent.send("report")
    gaps, watch_cpu = await asyncio.to_thread(watch_parent.recv)
    watcher.join(5)
    client_cpu = [cpu_seconds(p.pid) for p in receivers.processes]
    received = await receivers.close()
    receivers.stop()
    poster.close()
    result = {"phase": name, "latencies": received["latencies"],
              "lost": received["expected"] - len(received["latencies"]),
              "gap_max": max(gaps) * 1000 if gaps else float("nan"), "window": window,
              "server_cpu_pct": 100 * server_cpu / window, "receiver_cpu_pct": [100 * c / window for c in client_cpu],
              "watch_cpu_pct": 100 * watch_cpu / window, "post_errors": dict(poster.errors)}
    if uploads:
        began, ended = min(u[0] for u in uploads), max(u[1] for u in uploads)
        ok = [u for u in uploads if u[2] == 200]
        result.update(uploaded=len(ok), upload_errors=len(uploads) - len(ok), upload_s=ended - began,
                      mb_per_s=len(ok) * len(image) / (1024 * 1024) / max(ended - began, 1e-9),
                      images_per_s=len(ok) / max(ended - began, 1e-9),
                      upload_p50=percentile(sorted((u[1] - u[0]) * 1000 for u in uploads), 0.5),
                      upload_max=max((u[1] - u[0]) * 1000 for u in uploads),
                      uploader_cpu_pct=[100 * c / window for c in upload_cpu])
    return result


def report(args, results: list[dict], image_bytes: int, database: str) -> None:
    print(f"\nbench/uploads.py: {args.streams} streams, {args.messages} timed messages at {args.rate}/s per phase, "
          f"{args.uploads} uploads of {image_bytes / (1024 * 1024):.1f} MB at once (PNG of noise), one run.py "
          f"process, {database}")
    rows = []
    for r in results:
        lat = r["latencies"]
        rows.append([r["phase"], f"{percentile(lat, 0.5):.1f}", f"{percentile(lat, 0.99):.1f}", str(r["lost"]),
                     f"{r['gap_max']:.0f}",
                     (f"{r['mb_per_s']:.1f} MB/s, {r['images_per_s']:.1f}/s" if r.get("mb_per_s")
                      else f"{r['uploaded']} posts in {r['upload_s']:.1f} s" if "uploaded" in r else "-"),
                     f"{r.get('upload_p50', float('nan')) / 1000:.1f} / {r.get('upload_max', float('nan')) / 1000:.1f}"
                     if "mb_per_s" in r else "-",
                     f"{r['server_cpu_pct']:.0f}%",
                     " ".join(f"{c:.0f}%" for c in r["receiver_cpu_pct"] + r.get("uploader_cpu_pct", []))])
    for line in format_table(["phase", "p50 ms", "p99 ms", "lost", "max heartbeat gap ms", "uploads",
                              "upload p50/max s", "server CPU", "client CPU (receivers, uploaders)"], rows,
                             right={1, 2, 3, 4, 7}):
        print(line)
    reference = percentile(results[0]["latencies"], 0.99)
    for r in results[1:]:
        print(f"{r['phase']}: p99 {percentile(r['latencies'], 0.99) / reference:.2f}x the reference")
    for r in results:
        if r.get("upload_errors") or r["post_errors"]:
            print(f"{r['phase']}: upload errors {r.get('upload_errors', 0)}, post errors {r['post_errors']}")


def main(argv=None) -> int:
    args = parse_args(argv)
    raise_nofile()
    context = multiprocessing.get_context("fork")
    image = noise_png(args.size_mb)
    with tempfile.TemporaryDirectory(prefix="charla-bench-uploads-") as folder:
        tmp = Path(folder)
        url = fresh_database(args.database_url, tmp, args.streams, False)
        ids = seed(url, args.streams)
        port = free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "DATABASE_URL": url, "CHARLA_INSTANCE_DIR": str(tmp),
               "HOST": HOST, "PORT": str(port), "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": "0",
               "LIVE_HEARTBEAT_SECONDS": "1", "UPLOAD_FOLDER": str(tmp / "uploads"),
               "USER_STORAGE_QUOTA_BYTES": str(10 * 1024 ** 3)}
        env.pop("CHARLA_ENV", None)
        env.pop("REDIS_URL", None)
        process = Process([sys.executable, "run.py"], env, tmp / "server.log", port)
        try:
            process.wait_ready("/healthz")
            # Unreported: the server's first streams and posts (templates, queries, the hub) are not the reference.
            warm_up = argparse.Namespace(**{**vars(args), "messages": 20})
            asyncio.run(phase("warm-up", process, ids, warm_up, None, context))
            results = []
            for name, files in (("reference", None), ("uploads-cold", image), ("uploads-warm", image),
                                ("burst-no-files", b""), ("reference-2", None)):
                results.append(asyncio.run(phase(name, process, ids, args, files, context)))
                print(f"{name}: done", file=sys.stderr)
        except BaseException:
            print(process.log.read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            process.stop()
    report(args, results, len(image), "MariaDB/MySQL" if args.database_url else "SQLite")
    return 0


if __name__ == "__main__":
    sys.exit(main())
