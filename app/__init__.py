"""Charla: a self-hostable, Discord-like chat built the hypermedia way."""
import logging

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

import configuracion
from app.errors import database_is_down
from app.extensions import babel, compress, csrf, db, htmx, limiter, login_manager, migrate
from app.params import IdConverter
from app.requests import CharlaRequest


def create_app(config_class=configuracion.Config) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(configuracion.INSTANCE_DIR))
    app.request_class = CharlaRequest
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.from_object(config_class)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = configuracion.secret_key()
    app.config["SQLALCHEMY_DATABASE_URI"] = configuracion.database_url(
        app.config.get("SQLALCHEMY_DATABASE_URI"))
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                          configuracion.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        configuracion.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    from app.realtime.sockets import SocketHandover
    app.wsgi_app = SocketHandover(app.wsgi_app)  # streams answer on their socket under gevent's server
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(configuracion.BASE_DIR / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    compress.init_app(app)

    from app import (
        admin,
        auth,
        chat,
        errors,
        explore,
        health,
        invites,
        members,
        notifications,
        profile,
        security,
        templating,
    )
    from app.cli import register_cli
    from app.realtime import live
    from app.realtime import views as live_views
    from app.static_files import register as register_static_files
    from app.switcher import bp as switcher_bp
    login_manager.init_app(app)
    auth.init_login(login_manager)
    app.register_blueprint(auth.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(profile.bp)
    app.register_blueprint(explore.bp)
    app.register_blueprint(invites.bp)
    app.register_blueprint(members.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(switcher_bp)
    app.register_blueprint(live_views.bp)
    app.register_blueprint(admin.bp)
    live.init_app(app)
    errors.register(app)
    security.register(app)
    templating.register(app)
    register_static_files(app)
    register_cli(app)
    return app


def select_locale() -> str:
    """The user's language, else the browser's preferred one among ours (English outside requests;
    the browser's when the database is down)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if not database_is_down() and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "en"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL and a busy timeout so two processes can write; enforce foreign keys."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
