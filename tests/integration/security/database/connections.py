"""Connections to the warehouse as its owner or as one reader login."""

from __future__ import annotations

from typing import Any

import psycopg2

from straatkubus.settings import Settings
from straatkubus.warehouse import access


def connect(settings: Settings, login: str | None = None):
    if login is None:
        return psycopg2.connect(settings.dsn())
    password = (settings.reader_password if login == settings.reader_user
                else access.login_password(settings.reader_password, login))
    return psycopg2.connect(settings.dsn(user=login, password=password))


def scalar(settings: Settings, query: str, login: str | None = None) -> Any:
    conn = connect(settings, login)
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchone()[0]
    finally:
        conn.close()
