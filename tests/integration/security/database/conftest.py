"""The reader logins of the deploy and the demo users logged in."""

from __future__ import annotations

import pytest
import requests

from straatkubus.settings import Settings

from ..client import browser_session
from ..oracle import DEMO_USERS
from .connections import connect


@pytest.fixture(scope="package")
def logins(superset_stack: Settings) -> dict[str, frozenset[str]]:
    """Every reader login the deploy made: login -> the roles of its scope."""
    conn = connect(superset_stack)
    try:
        with conn.cursor() as cur:
            cur.execute("select login, roles from access.reader_logins order by login")
            return {login: frozenset(roles) for login, roles in cur.fetchall()}
    finally:
        conn.close()


@pytest.fixture(scope="package")
def viewer_sessions(superset_stack: Settings) -> dict[str, requests.Session]:
    return {name: browser_session(superset_stack, name, user["password"])
            for name, user in DEMO_USERS.items()}

