"""Browser tests: the real app (`python run.py`) driven by Playwright + Chromium.

The app runs as a subprocess on a free port with its own instance directory
(SQLite database and secret key), so these tests never touch instance/.
Chromium is the system one (/usr/bin/chromium); without it the tests skip,
except on CI (CI=true) where a missing browser is a failure.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
STARTUP_TIMEOUT = 30.0
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEFAULT_TIMEOUT_MS = 10_000

server_log_key = pytest.StashKey[Path]()
instance_dir_key = pytest.StashKey[Path]()


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: end-to-end tests in a real browser (Playwright + Chromium)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """On failure, show what the app wrote to stderr: usually the real cause."""
    log = config.stash.get(server_log_key, None)
    if log is None or not log.exists():
        return
    if not (terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")):
        return
    text = log.read_text(errors="replace")
    terminalreporter.write_sep("-", f"app server stderr ({log})")
    terminalreporter.write_line(text[-20_000:] if text else "(empty)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing_browser(reason: str):
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def clean_database():
    """Overrides tests/conftest.py's in-process database reset: these tests talk
    to their own `python run.py` over HTTP and need no app in this process."""
    yield


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)
    if path is None:
        missing_browser("chromium is not installed")
    return path


@pytest.fixture(scope="session")
def live_server(chromium_executable, tmp_path_factory, pytestconfig):
    """`python run.py` on a free port with a fresh SQLite instance; yields its base URL."""
    instance = tmp_path_factory.mktemp("charla-instance")
    log_path = instance / "server-stderr.log"
    pytestconfig.stash[server_log_key] = log_path
    port = free_port()
    env = os.environ.copy()
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(CHARLA_INSTANCE_DIR=str(instance), HOST="127.0.0.1", PORT=str(port),
               PYTHONUNBUFFERED="1", RATELIMIT_ENABLED="0")
    pytestconfig.stash[instance_dir_key] = instance
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "run.py"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"run.py exited with {process.returncode} before answering:\n"
                            + log_path.read_text(errors="replace"), pytrace=False)
            try:
                with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"run.py did not answer /healthz within {STARTUP_TIMEOUT:.0f} s:\n"
                            + log_path.read_text(errors="replace"), pytrace=False)
            time.sleep(0.1)
        yield base_url
        if process.poll() is not None:
            with open(log_path, "a") as log:
                log.write(f"\n[browser tests] run.py exited early with code {process.returncode}"
                          " (negative: killed by that signal)\n")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_database(live_server, pytestconfig) -> str:
    """The live server's SQLite URL, for set-up the UI does not offer yet."""
    return f"sqlite:///{pytestconfig.stash[instance_dir_key] / 'charla.db'}"


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_executable):
    browser = playwright_instance.chromium.launch(executable_path=chromium_executable, headless=True,
                                                  args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser, live_server):
    """Factory for isolated browser contexts (separate cookies) on the live app."""
    contexts = []

    def make(**options):
        options.setdefault("base_url", live_server)
        context = browser.new_context(**options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()
