"""Large avatar uploads are decoded off the gevent loop: the rest of the process stays fast meanwhile."""
import io
import threading
import time

import httpx
import pytest
from PIL import Image

# It times health checks: CI runs it alone, not beside another worker's browser tests.
pytestmark = pytest.mark.serial

SIDE = 5000
AVATAR_MAX_BYTES = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def large_png() -> bytes:
    """A valid 5000 x 5000 noisy PNG under the 5 MB upload limit (25 M pixels to decode)."""
    noise = Image.effect_noise((SIDE // 10, SIDE // 10), 80).convert("RGB")
    buffer = io.BytesIO()
    noise.resize((SIDE, SIDE), Image.Resampling.NEAREST).save(buffer, "PNG", compress_level=6)
    data = buffer.getvalue()
    assert len(data) < AVATAR_MAX_BYTES
    return data


def test_uploads_do_not_stall_health_checks(server, users, large_png):
    uploaders = [users[name] for name in ("ana", "bruno", "carla", "oscar")]
    results: dict[str, tuple[int, float]] = {}
    latencies: list[float] = []
    uploading = threading.Event()

    def send(user):
        started = time.monotonic()
        response = user.http.post("/profile/avatar", headers=user.htmx(), timeout=45,
                                  files={"avatar": ("big.png", large_png, "image/png")})
        results[user.username] = (response.status_code, time.monotonic() - started, "form-ok" in response.text)

    def probe():
        with httpx.Client(base_url=server.base, timeout=10) as http:
            while uploading.is_set():
                started = time.monotonic()
                assert http.get("/healthz").status_code == 200
                latencies.append(time.monotonic() - started)
                time.sleep(0.05)

    threads = [threading.Thread(target=send, args=(user,)) for user in uploaders]
    uploading.set()
    prober = threading.Thread(target=probe)
    prober.start()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(50)
    uploading.clear()
    prober.join(10)
    window = time.monotonic() - started

    assert sorted(results) == ["ana", "bruno", "carla", "oscar"]
    assert all(status == 200 and saved for status, _seconds, saved in results.values()), results
    slowest_upload = max(seconds for _status, seconds, _saved in results.values())
    # The uploads were really working for a while, and health was asked all along.
    assert slowest_upload > 1.0, results
    assert len(latencies) >= window / 0.6
    assert max(latencies) < 0.5, (max(latencies), slowest_upload)


def test_a_refused_upload_is_a_clear_answer_not_a_logged_traceback(server, users):
    """The image is judged in a worker thread; its refusal reaches the user, and the log stays clean."""
    response = users["ana"].http.post("/profile/avatar", headers=users["ana"].htmx(), timeout=20,
                                      files={"avatar": ("fake.png", b"<html>not an image</html>", "image/png")})
    assert response.status_code == 422
    assert "Traceback" not in server.log.read_text()
