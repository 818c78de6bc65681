"""Start Charla: apply migrations, then serve with gevent's WSGI server.

`python run.py` is all a self-hosted install needs (SQLite by default); see
README.md for gunicorn + gevent in production.
"""
if __name__ == "__main__":
    # Before anything else imports socket or threading.
    from gevent import monkey

    monkey.patch_all()

import sys

from sqlalchemy.engine import make_url

from app import create_app
from app.errors import database_error_reason
from app.health import database_failure

app = create_app()


def exit_unless_database_answers() -> None:
    """One clear line and a non-zero exit, not a traceback, when the database cannot be reached."""
    with app.app_context():
        failure = database_failure()
    if failure is not None:
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
        sys.exit(f"Charla cannot reach the database at {url}: {database_error_reason(failure)}")


def main() -> None:
    import logging

    from flask_migrate import upgrade
    from gevent.pywsgi import WSGIServer

    from app.server import Handler, tune_gc

    exit_unless_database_answers()
    with app.app_context():
        upgrade()
        if "--demo-data" in sys.argv[1:]:  # `make run`: a first look with something to see
            from app.cli import seed_demo_if_empty
            seed_demo_if_empty()
    logging.getLogger().setLevel(logging.INFO)  # alembic's logging config lowered it
    tune_gc()
    host, port = app.config["HOST"], app.config["PORT"]
    logging.getLogger("charla").info("Charla on http://%s:%d/", host, port)
    # A deep accept queue: a burst of reconnecting tabs should not wait for SYN retries.
    WSGIServer((host, port), app, log=None, error_log=logging.getLogger("gevent"),
               backlog=2048, handler_class=Handler).serve_forever()


if __name__ == "__main__":
    main()
