"""Settings from the environment."""
import pytest

import configuracion


@pytest.mark.parametrize("url, expected", [
    ("mysql://root@127.0.0.1/charla", "mysql+pymysql://root@127.0.0.1/charla?charset=utf8mb4"),
    ("mariadb://u:p@db:3306/c?ssl=1", "mysql+pymysql://u:p@db:3306/c?ssl=1&charset=utf8mb4"),
    ("mysql+pymysql://u@h/c?charset=utf8mb4", "mysql+pymysql://u@h/c?charset=utf8mb4"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_urls_use_pymysql_with_utf8mb4(url, expected):
    assert configuracion.database_url(url) == expected


def test_default_database_is_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert configuracion.database_url() == f"sqlite:///{configuracion.INSTANCE_DIR / 'charla.db'}"


def test_mysql_pool_pre_pings():
    assert configuracion.engine_options("mysql+pymysql://x/y")["pool_pre_ping"] is True


@pytest.mark.parametrize("url", ["mysql+pymysql://root@127.0.0.1/charla", "mysql://root@localhost/charla",
                                 "mysql://root@[::1]/charla"])
def test_no_tls_attempt_to_a_database_on_loopback(url):
    assert configuracion.engine_options(url)["connect_args"] == {"ssl_disabled": True}


@pytest.mark.parametrize("url", ["mysql://charla:secret@db.internal/charla",
                                 "mysql://root@127.0.0.1/charla?ssl_ca=/etc/ca.pem"])
def test_tls_is_left_to_pymysql_for_remote_databases_or_when_configured(url):
    assert "connect_args" not in configuracion.engine_options(url)


def test_production_requires_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("CHARLA_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        configuracion.secret_key()
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert configuracion.secret_key() == "from-env"


def test_development_secret_key_is_generated_once(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CHARLA_ENV", raising=False)
    monkeypatch.delenv("FLASK_ENV", raising=False)
    monkeypatch.setattr(configuracion, "INSTANCE_DIR", tmp_path)
    first = configuracion.secret_key()
    assert len(first) == 64 and configuracion.secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
