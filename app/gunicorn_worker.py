"""gunicorn's gevent worker on pywsgi, tuned as run.py is: `-k app.gunicorn_worker.Worker`.

gunicorn's plain `-k gevent` worker parses HTTP itself, so a live stream there stays
a generator read by a greenlet of its own. On pywsgi a stream takes its socket over
and the hub writes every frame straight to it (app/realtime/sockets.py), which costs
several times less per delivery.
"""
from gunicorn.workers.ggevent import GeventPyWSGIWorker, PyWSGIHandler

from app.server import READ_BUFFER, Handler, tune_gc


class WorkerHandler(PyWSGIHandler, Handler):
    """gunicorn's access log and `gunicorn.sock`, with Charla's read buffer."""

    def __init__(self, sock, address, server, rfile=None):
        super().__init__(sock, address, server, rfile=rfile or sock.makefile("rb", READ_BUFFER))


class Worker(GeventPyWSGIWorker):
    wsgi_handler = WorkerHandler

    def run(self):
        tune_gc()  # the app is loaded by now
        super().run()
