"""A fresh MariaDB/MySQL database beside the one a test run was given."""
import pymysql
from sqlalchemy.engine import URL, make_url

import configuracion


def fresh_mysql_database(url: str, suffix: str) -> str:
    """Drop and create `<database>_<suffix>` on the server of `url`; its URL."""
    parsed: URL = make_url(configuracion.database_url(url))
    name = f"{parsed.database}_{suffix}"
    connection = pymysql.connect(host=parsed.host, port=parsed.port or 3306, user=parsed.username,
                                 password=parsed.password or "")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    connection.close()
    return parsed.set(database=name).render_as_string(hide_password=False)
