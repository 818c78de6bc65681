"""The HTTP server Charla runs under: gevent's pywsgi, started by run.py or as a gunicorn worker.

Both keep what a live stream needs from the server (app/realtime/sockets.py): the
client socket in the environ, so that a stream can take its connection over, and a
small read buffer, since every open stream keeps its connection's buffer.
"""
import gc

from gevent.pywsgi import WSGIHandler

READ_BUFFER = 1024  # pywsgi's default is 8 KiB; requests are small and uploads are read past the buffer


class Handler(WSGIHandler):
    """pywsgi with a 1 KiB read buffer and the client socket in the environ."""

    def __init__(self, sock, address, server, rfile=None):
        super().__init__(sock, address, server, rfile=rfile or sock.makefile("rb", READ_BUFFER))

    def get_environ(self):
        environ = super().get_environ()
        environ["charla.socket"] = self.socket
        return environ


def tune_gc() -> None:
    """Thousands of open streams make full collections long pauses (measured in
    bench/live_load.py): keep start-up objects out of them and run them less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
