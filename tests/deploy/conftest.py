"""The production stack as the README deploys it: nginx over HTTPS and HTTP/2
(deploy/nginx/charla.conf) in front of the documented gunicorn command, on
MariaDB and Redis.

MariaDB is the server of TEST_DATABASE_URL (default mysql://root@127.0.0.1),
in a fresh `charla_deploy` database; Redis is REDIS_URL's host (default
127.0.0.1:6379), database 9. With CI=true a missing nginx, MariaDB, Redis or
h2 package is a failure; elsewhere the tests are skipped with the reason.
"""
import importlib.util
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pymysql
import pytest
import redis
from sqlalchemy.engine import make_url

import configuracion
from tests.live.conftest import ROOT, World, free_port

SITE = ROOT / "deploy" / "nginx" / "charla.conf"
BIN = Path(sys.executable).parent
DATABASE = "charla_deploy"
REDIS_DB = 9


@pytest.fixture(autouse=True)
def clean_database():
    """These tests use a database of their own, not the suite's."""


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def database_server() -> dict:
    url = make_url(configuracion.database_url(os.environ.get("TEST_DATABASE_URL") or "mysql://root@127.0.0.1"))
    if not url.drivername.startswith("mysql"):
        unavailable(f"TEST_DATABASE_URL is not MariaDB/MySQL: {url.drivername}")
    return {"host": url.host or "127.0.0.1", "port": url.port or 3306, "user": url.username or "root",
            "password": url.password or ""}


def fresh_database(server: dict) -> str:
    """Recreate `charla_deploy`; its mysql:// URL as the README writes it."""
    try:
        connection = pymysql.connect(**server, connect_timeout=5)
    except pymysql.MySQLError as error:
        unavailable(f"MariaDB at {server['host']}:{server['port']} does not answer: {error}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{DATABASE}`")
        cursor.execute(f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4")
    connection.close()
    password = f":{server['password']}" if server["password"] else ""
    return f"mysql://{server['user']}{password}@{server['host']}:{server['port']}/{DATABASE}"


def drop_database(server: dict) -> None:
    connection = pymysql.connect(**server, connect_timeout=5)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{DATABASE}`")
    connection.close()


def fresh_redis() -> str:
    """Empty Redis database 9 (rate-limit counters of earlier runs); its URL."""
    base = make_url(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    url = f"redis://{base.host or '127.0.0.1'}:{base.port or 6379}/{REDIS_DB}"
    try:
        client = redis.Redis.from_url(url, socket_timeout=5)
        client.flushdb()
        client.close()
    except redis.RedisError as error:
        unavailable(f"Redis at {url} does not answer: {error}")
    return url


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, valid one day, and its key."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=30)
    return cert, key


def substitute(text: str, pattern: str, replacement: str, count: int) -> str:
    """Replace `pattern` exactly `count` times: a changed file fails here, not silently."""
    result, made = re.subn(pattern, replacement, text)
    assert made == count, f"{SITE.name}: expected {count} × {pattern!r}, found {made}"
    return result


def site_config(upstream: int, http: int, https: int, cert: Path, key: Path, instance: Path) -> str:
    """The shipped server blocks on 127.0.0.1's high ports, with the test's certificate and static path."""
    text = SITE.read_text()
    text = substitute(text, r"(?m)^\s*listen \[::\]:.*\n", "", 2)  # IPv6 may be missing in containers
    text = substitute(text, r"(?m)^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{http};", 1)
    text = substitute(text, r"(?m)^(\s*)listen 443 ", rf"\g<1>listen 127.0.0.1:{https} ", 1)
    text = substitute(text, r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{upstream};", 1)
    text = substitute(text, r"ssl_certificate \S+;", f"ssl_certificate {cert};", 1)
    text = substitute(text, r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};", 1)
    text = substitute(text, r"alias /srv/charla/instance/uploads/attachments/;",
                      f"alias {instance / 'uploads' / 'attachments'}/;", 1)
    return substitute(text, r"alias /srv/charla/static/;", f"alias {ROOT / 'static'}/;", 1)


def main_config(folder: Path, site: Path) -> str:
    """The http{} of Debian's /etc/nginx/nginx.conf that matters here, with paths under `folder`."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers would run as nobody, kept out of the temp dir
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
    return f"""{user}worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {folder / 'access.log'};
    gzip on;
{temp}
    include {site};
}}
"""


class Process:
    """A child in its own process group, its output in a log file."""

    def __init__(self, name: str, command: list[str], log: Path, env: dict | None = None):
        self.name, self.log = name, log
        with open(log, "w") as output:
            self.popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                          start_new_session=True)

    def tail(self) -> str:
        return f"{self.name} log:\n{self.log.read_text()[-3000:]}"

    def wait_until(self, ready, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}. {self.tail()}")
            try:
                if ready():
                    return
            except (httpx.HTTPError, ssl.SSLError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start in {seconds} s. {self.tail()}")

    def stop(self, sig: int) -> None:
        """`sig` to the process, then SIGKILL to its group if it has not ended in 10 s."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)


class Stack:
    """URLs and TLS trust for the running stack."""

    def __init__(self, https: int, http: int, cert: Path, world: World, nginx: Process, gunicorn: Process):
        self.base = f"https://127.0.0.1:{https}"
        self.plain = f"http://127.0.0.1:{http}"
        self.trust = ssl.create_default_context(cafile=str(cert))
        self.world, self.nginx, self.gunicorn = world, nginx, gunicorn

    def client(self, **kwargs) -> httpx.Client:
        """An HTTP/2 client that trusts the test's certificate (and only it)."""
        return httpx.Client(base_url=self.base, http2=True, verify=self.trust, timeout=10, **kwargs)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not nginx:
        unavailable("nginx is not installed (apt-get install nginx)")
    if importlib.util.find_spec("h2") is None:  # httpx needs it for http2=True
        unavailable("the h2 package is missing (pip install -r requirements-dev.txt)")
    server = database_server()
    redis_url = fresh_redis()
    database_url = fresh_database(server)
    tmp = tmp_path_factory.mktemp("deploy")
    env = {**os.environ, "CHARLA_ENV": "production", "SECRET_KEY": "deploy-test-" + os.urandom(16).hex(),
           "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PROXY_FIX": "1",
           "CHARLA_INSTANCE_DIR": str(tmp / "instance"), "PYTHONUNBUFFERED": "1",
           "STORAGE_BACKEND": "local", "STORAGE_X_ACCEL_PREFIX": "/_charla_files"}
    env.pop("FLASK_ENV", None)
    env.pop("UPLOAD_FOLDER", None)
    upstream, http, https = free_port(), free_port(), free_port()
    started = []
    try:
        migrate = subprocess.run([str(BIN / "flask"), "--app", "run", "db", "upgrade"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=60)
        assert migrate.returncode == 0, f"flask db upgrade failed:\n{migrate.stderr[-3000:]}"
        world = World(configuracion.database_url(database_url))
        cert, key = self_signed_certificate(tmp)
        site = tmp / "charla.conf"
        site.write_text(site_config(upstream, http, https, cert, key, tmp / "instance"))
        main = tmp / "nginx.conf"
        main.write_text(main_config(tmp, site))

        gunicorn = Process("gunicorn", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-w", "2",
                                        "-b", f"127.0.0.1:{upstream}", "run:app"], tmp / "gunicorn.log", env)
        started.append((gunicorn, signal.SIGQUIT))  # quick shutdown: open streams need not end first
        gunicorn.wait_until(lambda: httpx.get(f"http://127.0.0.1:{upstream}/healthz", timeout=1).status_code == 200)
        nginx_process = Process("nginx", [nginx, "-p", str(tmp), "-c", str(main), "-g",
                                          f"daemon off; pid {tmp / 'nginx.pid'}; error_log stderr;"],
                                tmp / "nginx.log")
        started.append((nginx_process, signal.SIGTERM))
        stack = Stack(https, http, cert, world, nginx_process, gunicorn)
        with stack.client() as probe:
            nginx_process.wait_until(lambda: probe.get("/healthz", timeout=1).status_code == 200)
        yield stack
    finally:
        for process, sig in reversed(started):
            process.stop(sig)
        drop_database(server)
