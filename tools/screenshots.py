"""Screenshots of the chat at phone, tablet and desktop widths, light and dark.

Starts `python run.py --demo-data` on a free port with a throw-away instance
directory (as the browser tests do), logs in as a demo user and writes
docs/screenshots/chat-<width>-<theme>.png, plus chat-375-nav-light.png with
the servers and channels drawer open.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SIZES = {375: {"width": 375, "height": 812}, 768: {"width": 768, "height": 1024}, 1440: {"width": 1440, "height": 900}}
THEMES = ("light", "dark")
DEMO_LOGIN, DEMO_PASSWORD = "ana", "charla-demo-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(instance: Path) -> tuple[subprocess.Popen, str]:
    """`run.py --demo-data` on a free port; returns the process and its base URL once it answers."""
    port = free_port()
    env = dict(os.environ, CHARLA_INSTANCE_DIR=str(instance), HOST="127.0.0.1", PORT=str(port),
               RATELIMIT_ENABLED="0")
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    with open(instance / "server-stderr.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "run.py", "--demo-data"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"run.py exited with {process.returncode}; see {instance / 'server-stderr.log'}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2):
                return process, base_url
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    process.terminate()
    sys.exit("run.py did not answer /healthz within 60 s")


def log_in(context, base_url: str) -> str:
    """Logs in as the demo user; returns the URL of the channel it lands on."""
    page = context.new_page()
    page.goto(base_url + "/login")
    page.locator("#f-login").fill(DEMO_LOGIN)
    page.locator("#f-password").fill(DEMO_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.locator("#servers-column .server-link").first.wait_for(state="attached")
    page.goto(page.locator("#servers-column .server-link").first.get_attribute("href"))
    page.locator("#message-list .message").last.wait_for()
    url = page.url
    page.close()
    return url


def shoot(browser, base_url: str, out: Path) -> list[Path]:
    written = []
    storage, channel_url = None, None
    for width, viewport in SIZES.items():
        for theme in THEMES:
            options = {"viewport": viewport, "color_scheme": theme, "base_url": base_url, "locale": "es-ES"}
            if width < 700:
                options.update(has_touch=True, is_mobile=True, device_scale_factor=2)
            context = browser.new_context(storage_state=storage, **options)
            if storage is None:
                channel_url = log_in(context, base_url)
                storage = context.storage_state()
            page = context.new_page()
            page.goto(channel_url)
            page.locator("#message-list .message").last.wait_for()
            written.append(out / f"chat-{width}-{theme}.png")
            page.screenshot(path=written[-1])
            if width < 700 and theme == "light":
                page.locator("#nav-toggle").click()
                page.locator("#channels-column").wait_for(state="visible")
                written.append(out / "chat-375-nav-light.png")
                page.screenshot(path=written[-1])
            context.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="charla-shots-") as tmp:
        process, base_url = start_app(Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                for path in shoot(browser, base_url, args.out):
                    sys.stdout.write(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}\n")
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
