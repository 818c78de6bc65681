"""Waiting for a condition in the page without Playwright's `wait_for_function`,
which compiles its predicate with `new Function` inside the page and so fails
under Charla's CSP (no 'unsafe-eval') whenever the first check is false."""
import time

from playwright.sync_api import Page

TIMEOUT_S = 5.0
POLL_S = 0.05


def wait_until(page: Page, expression: str, timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {expression}")
        time.sleep(POLL_S)
