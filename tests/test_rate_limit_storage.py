"""Rate-limit counters: in Redis when REDIS_URL is set; Redis being down is never a 500."""
import os
import random
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")

SCRIPT = """
import sys, configuracion
from app import create_app
from app.extensions import db

class Config(configuracion.TestingConfig):
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_STORAGE_URI = sys.argv[1]

app = create_app(Config)
with app.app_context():
    db.create_all()
client = app.test_client()
# Eleven wrong passwords for one account from one address, then one from another address.
addresses = [sys.argv[3]] * 11 + [sys.argv[4]]
codes = [client.post("/login", data={"login": sys.argv[2], "password": "wrong guess!"},
                     environ_base={"REMOTE_ADDR": address}).status_code for address in addresses]
print(" ".join(map(str, codes)))
"""


def run_app_with_storage(storage_uri: str, login: str) -> list[int]:
    # Addresses of this run only: the counters of earlier runs (same Redis, within the hour) do not count.
    first, second = (f"10.{random.randrange(256)}.{random.randrange(256)}.{n}" for n in (1, 2))
    result = subprocess.run([sys.executable, "-c", SCRIPT, storage_uri, login, first, second], cwd=ROOT,
                            capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    return [int(code) for code in result.stdout.split()]


def test_redis_down_falls_back_to_memory_without_errors():
    codes = run_app_with_storage("redis://127.0.0.1:1/0", "ghost")
    assert 500 not in codes
    assert codes == [401] * 10 + [429, 401]


def test_counters_live_in_redis_when_configured():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not answering at {REDIS_URL}")
        pytest.skip("Redis is not running")
    login = f"ghost-{uuid.uuid4().hex}"  # its own counters, whatever else uses this Redis
    codes = run_app_with_storage(REDIS_URL, login)
    assert codes == [401] * 10 + [429, 401]
    keys = [key for key in client.scan_iter("LIMITS*") if login.encode() in key]
    assert keys
    client.delete(*keys)
