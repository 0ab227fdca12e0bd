"""The remaining doors: generated secrets, the metadata owner, login rate limit, session length."""

from __future__ import annotations

import psycopg2
import pytest
import requests

from straatkubus.publish import superset
from straatkubus.settings import REPO

from ..client import csrf_token
from .connections import scalar

pytestmark = pytest.mark.stack


def test_secrets_are_generated_and_superset_runs_without_the_pseudonym_key(superset_stack):
    for name in ("STRAATKUBUS_PG_PASSWORD", "STRAATKUBUS_READER_PASSWORD", "STRAATKUBUS_SUPERSET_META_PASSWORD"):
        value = (superset_stack.state_dir / "secrets" / name).read_text().strip()
        assert len(value) >= 32 and value not in superset.KNOWN_DEFAULT_SECRETS
    assert superset_stack.pg_password not in (REPO / "README.md").read_text()
    pid = int((superset_stack.superset_home / "gunicorn.pid").read_text())
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        workers = [int(child) for child in handle.read().split()]
    assert workers
    for process in [pid, *workers]:
        with open(f"/proc/{process}/environ", "rb") as handle:
            environ = handle.read()
        assert superset_stack.pseudonym_key.encode() not in environ
        assert superset_stack.pg_password.encode() not in environ
        assert b"STRAATKUBUS_PSEUDONYM_KEY" not in environ


def test_superset_metadata_is_owned_by_a_login_that_is_not_a_superuser(superset_stack):
    owner, is_superuser = scalar(superset_stack, f"""
        select row(d.datdba::regrole::text, r.rolsuper) from pg_database d join pg_roles r on r.oid = d.datdba
        where d.datname = '{superset_stack.superset_database}'""")[1:-1].split(",")
    assert owner == superset_stack.superset_meta_user and is_superuser == "f"
    conn = psycopg2.connect(superset_stack.dsn(database=superset_stack.superset_database))
    with conn.cursor() as cur:
        cur.execute("select count(*) from pg_tables where schemaname = 'public' and tableowner <> %s",
                    (superset_stack.superset_meta_user,))
        assert cur.fetchone()[0] == 0
        cur.execute("select count(*) from pg_tables where schemaname = 'public'")
        assert cur.fetchone()[0] > 50
    conn.close()


def test_login_attempts_are_rate_limited_per_account(superset_stack):
    base = superset_stack.superset_url
    statuses = []
    for _ in range(15):
        response = requests.post(f"{base}/api/v1/security/login", timeout=30,
                                 json={"username": "test-guesser", "password": "wrong-password", "provider": "db"})
        statuses.append(response.status_code)
    assert statuses[0] == 401 and 429 in statuses, statuses
    # counted across the web server's workers, per account: another account still logs in
    response = requests.post(f"{base}/api/v1/security/login", timeout=30,
                             json={"username": "kerkrade", "password": "kerkrade-demo", "provider": "db"})
    assert response.status_code == 200


def test_a_session_lasts_at_most_a_working_day(superset_stack):
    import time

    session = requests.Session()
    base = superset_stack.superset_url
    token = csrf_token(session.get(f"{base}/login/", timeout=30).text)
    response = session.post(f"{base}/login/", allow_redirects=False, timeout=30,
                            data={"username": "voerendaal", "password": "voerendaal-demo", "csrf_token": token})
    assert response.status_code == 302
    cookies = [cookie for cookie in session.cookies if cookie.name == "session"]
    assert cookies and cookies[0].expires is not None
    assert cookies[0].expires - time.time() <= 8 * 3600 + 60
