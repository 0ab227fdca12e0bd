"""PostgreSQL itself keeps every reader to its rows, and no dashboard user can read around it,
exhaust the server or stop it (issue: access enforced inside PostgreSQL).

The oracle is the README's access model as written in test_superset_security.py (`Access`),
never superset/rls.yaml or straatkubus/warehouse/access.py, which these tests check.
"""

from __future__ import annotations

import os
import re
from typing import Any

import psycopg2
import pytest
import requests
import test_superset_security as security
from test_superset_security import CATALOGUE, RLS_COLUMNS, Access, browser_session

from straatkubus.publish import superset
from straatkubus.settings import REPO, Settings
from straatkubus.warehouse import access, builds

pytestmark = pytest.mark.stack


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


@pytest.fixture(scope="module")
def logins(superset_stack: Settings) -> dict[str, frozenset[str]]:
    """Every reader login the deploy made: login -> the roles of its scope."""
    conn = connect(superset_stack)
    try:
        with conn.cursor() as cur:
            cur.execute("select login, roles from access.reader_logins order by login")
            return {login: frozenset(roles) for login, roles in cur.fetchall()}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def viewer_sessions(superset_stack: Settings) -> dict[str, requests.Session]:
    return {name: browser_session(superset_stack, name, user["password"])
            for name, user in security.DEMO_USERS.items()}


@pytest.fixture(scope="module")
def dataset_ids(superset_stack: Settings) -> dict[str, int]:
    client = superset.admin_client(superset_stack)
    return {row["table_name"]: row["id"] for row in client.list("/api/v1/dataset/", order="table_name")}


# --- the database on its own ----------------------------------------------------------------------
def test_every_demo_user_has_a_login_of_their_scope(superset_stack, logins):
    assert "reader_admin" in logins
    for user in security.DEMO_USERS.values():
        assert not {"Admin"} & set(user["roles"]), "no demo user holds Admin"
        assert any(roles == frozenset(user["roles"]) for roles in logins.values()), user["username"]


def test_each_login_reads_exactly_its_rows(superset_stack, logins):
    """Straight from PostgreSQL, without Superset: every row a login reads is allowed by the
    README's model, and it reads every allowed row (counts per RLS columns as the owner)."""
    for table, columns in RLS_COLUMNS.items():
        listed = ", ".join(columns)
        query = f"select {listed}, count(*) from marts.{table} group by {listed}"
        conn = connect(superset_stack)
        with conn.cursor() as cur:
            cur.execute(query)
            everything = {tuple(row[:-1]): row[-1] for row in cur.fetchall()}
        conn.close()
        for login, roles in logins.items():
            oracle = Access(roles)
            allowed = {key: n for key, n in everything.items()
                       if oracle.allows(table, dict(zip(columns, key, strict=True)))}
            conn = connect(superset_stack, login)
            with conn.cursor() as cur:
                cur.execute(query)
                seen = {tuple(row[:-1]): row[-1] for row in cur.fetchall()}
            conn.close()
            assert seen == allowed, f"{login} on {table}: {len(seen)} groups read, {len(allowed)} allowed"
    assert scalar(superset_stack, f"select count(*) from marts.{CATALOGUE}", "reader_gemeente_heerlen__wijkteam") > 0


def test_each_login_knows_only_its_own_municipalities(superset_stack, logins):
    for login, roles in logins.items():
        codes = scalar(superset_stack, "select marts.viewer_municipality_codes()", login)
        assert set(codes) == Access(roles).municipalities, login


def test_the_base_reader_reads_no_rows(superset_stack):
    for table in ("fct_area_signals", "fct_area_indicators", "dim_areas", "dim_indicators"):
        assert scalar(superset_stack, f"select count(*) from marts.{table}", superset_stack.reader_user) == 0
        assert scalar(superset_stack, f"select count(*) from marts.{table}") > 0


def test_no_login_can_widen_its_rights(superset_stack, logins):
    conn = connect(superset_stack)
    with conn.cursor() as cur:
        cur.execute("""
            select r.rolname, r.rolsuper or r.rolcreaterole or r.rolcreatedb or r.rolbypassrls
                or r.rolreplication, exists (select from pg_auth_members m where m.member = r.oid),
                coalesce(array_to_string(r.rolconfig, ','), '')
            from pg_roles r where r.rolname = any(%s)""", (list(logins) + [superset_stack.reader_user],))
        found = cur.fetchall()
    conn.close()
    assert len(found) == len(logins) + 1
    for login, privileged, is_member, config in found:
        assert not privileged and not is_member, login
        for limit in ("statement_timeout", "work_mem", "temp_file_limit"):
            assert f"{limit}=" in config, (login, config)
    login = "reader_gemeente_heerlen__wijkteam"
    conn = connect(superset_stack, login)
    conn.autocommit = True
    with conn.cursor() as cur:
        for escape in ("set role superset_reader", "set role reader_admin",
                       "select set_config('role', 'reader_admin', false)",
                       "select set_config('statement_timeout', '0', false)",
                       "select count(*) from pg_stats"):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(escape)
        cur.execute("select current_user, current_setting('statement_timeout')")
        assert cur.fetchone() == (login, superset_stack.reader_statement_timeout)
    conn.close()


def test_the_search_for_functions_running_sql_text_finds_only_reviewed_ones(superset_stack):
    """A new PostgreSQL or PostGIS version bringing such a function fails here until it is
    reviewed (and it is revoked anyway, since the lockdown applies the search)."""
    conn = connect(superset_stack)
    with conn.cursor() as cur:
        found = access.text_query_functions(cur)
    conn.close()
    assert {"query_to_xml(text,boolean,boolean,text)", "ts_stat(text)", "ts_rewrite(tsquery,text)",
            "schema_to_xml(name,boolean,boolean,text)", "cursor_to_xml(refcursor,integer,boolean,boolean,text)",
            "_postgis_stats(regclass,text,text)"} <= found
    unreviewed = found - access.REVIEWED_TEXT_QUERY_FUNCTIONS
    assert not unreviewed, f"review these and add them to access.REVIEWED_TEXT_QUERY_FUNCTIONS: {unreviewed}"


def test_no_reader_may_execute_a_function_running_sql_text(superset_stack, logins):
    conn = connect(superset_stack)
    with conn.cursor() as cur:
        found = access.text_query_functions(cur) | set(access.EXTRA_REVOKED_FUNCTIONS)
        cur.execute("select r.rolname, p.oid::regprocedure::text from pg_proc p cross join pg_roles r "
                    "where r.rolname = any(%s) and p.oid::regprocedure::text = any(%s) "
                    "and has_function_privilege(r.oid, p.oid, 'EXECUTE')",
                    (list(logins) + [superset_stack.reader_user], sorted(found)))
        executable = cur.fetchall()
    conn.close()
    assert not executable


# --- through Superset: SQL given as text, in every place a chart takes SQL ----------------------------
TEXT_QUERY_ATTACKS = [
    "(query_to_xml('select * from marts.{table}', true, false, ''))::text",
    "QUERY_TO_XML('select * from marts.{table}', TRUE, FALSE, '')::text",
    "pg_catalog.query_to_xml('select * from marts.{table}', true, false, '')::text",
    "array_to_string(xpath('//row', query_to_xml('select * from marts.{table}', true, false, '')), ',')",
    "(ts_stat('select to_tsvector(string_agg(municipality_code, '' '')) from marts.{table}')).word",
    "ts_rewrite('a'::tsquery, 'select ''a''::tsquery, municipality_code::tsquery from marts.{table}')::text",
    "table_to_xml('marts.{table}', true, false, '')::text",
    "schema_to_xml('marts', true, false, '')::text",
    "database_to_xml(true, false, '')::text",
]
NON_ADMIN_VIEWERS = sorted(name for name, user in security.DEMO_USERS.items() if "Admin" not in user["roles"])


def post_expression(session, base: str, dataset_id: int, expression: str, place: str) -> requests.Response:
    sql = {"expressionType": "SQL", "sqlExpression": expression, "label": "x"}
    query: dict[str, Any] = {"columns": [], "metrics": [], "row_limit": 1000,
                             "extras": {"where": "", "having": ""}}
    if place == "column":
        query["columns"], query["metrics"] = [sql], [security.COUNT]
    else:
        query["metrics"] = [{**sql, "sqlExpression": f"max({expression})"}]
    body = security.dataset_query(dataset_id, query, force=True)
    return session.post(f"{base}/api/v1/chart/data", json=body, timeout=120)


@pytest.mark.parametrize("username", NON_ADMIN_VIEWERS)
def test_functions_running_sql_text_are_refused(username, superset_stack, viewer_sessions, dataset_ids):
    """Every SQL-text function, in a custom column and in a custom metric, on every dataset:
    the database refuses (no access, in Dutch; in a metric a set-returning one is refused
    before that); nothing comes back."""
    session = viewer_sessions[username]
    for table, dataset_id in dataset_ids.items():
        for attack in TEXT_QUERY_ATTACKS:
            for place in ("column", "metric"):
                response = post_expression(session, superset_stack.superset_url, dataset_id,
                                           attack.format(table=table), place)
                assert response.status_code in security.REJECTED, (table, attack, place, response.text[:300])
                message = response.json()["message"]
                assert "geen toegang" in message or (place == "metric" and "set-returning" in message), message


# --- through Superset: the heaviest query ends with an error, the server stays up ------------------
EXHAUSTION = {
    "memory": "length(repeat('x', 900000000 + {n}))",  # eight of them: 7 GB for one row
    "time": "length(pg_sleep(600)::text) + {n}",
}


@pytest.mark.parametrize("kind", sorted(EXHAUSTION))
def test_exhausting_queries_end_with_a_dutch_error_and_the_server_stays_up(kind, superset_stack, viewer_sessions,
                                                                          dataset_ids):
    started = scalar(superset_stack, "select pg_postmaster_start_time()")
    metrics = [{"expressionType": "SQL", "sqlExpression": f"max({EXHAUSTION[kind].format(n=n)})", "label": f"m{n}"}
               for n in range(8)]
    query = {"columns": [], "metrics": metrics, "row_limit": 10, "extras": {"where": "", "having": ""}}
    body = security.dataset_query(dataset_ids["fct_area_signals"], query, force=True)
    response = viewer_sessions["heerlen-wijkteam"].post(f"{superset_stack.superset_url}/api/v1/chart/data",
                                                        json=body, timeout=300)
    assert response.status_code in security.REJECTED, response.text[:300]
    assert re.search("te lang|te veel geheugen", response.json()["message"]), response.text[:300]
    assert scalar(superset_stack, "select pg_postmaster_start_time()") == started


# --- the remaining doors --------------------------------------------------------------------------
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
    token = security._csrf_token(session.get(f"{base}/login/", timeout=30).text)
    response = session.post(f"{base}/login/", allow_redirects=False, timeout=30,
                            data={"username": "voerendaal", "password": "voerendaal-demo", "csrf_token": token})
    assert response.status_code == 302
    cookies = [cookie for cookie in session.cookies if cookie.name == "session"]
    assert cookies and cookies[0].expires is not None
    assert cookies[0].expires - time.time() <= 8 * 3600 + 60


# --- write, audit, publish ----------------------------------------------------------------------
def test_a_small_cell_in_new_marts_is_never_published(superset_stack, logins):
    """New marts (a build's shadow) publishing one small count: the audit refuses them, the
    marts Superset reads stay as they were, and no reader login ever reads the small cell."""
    settings = superset_stack
    fingerprint = ("select md5(string_agg(t::text, ',' order by t::text)) from "
                   "(select area_code, period_code, indicator_code, value, is_suppressed from marts.{}) t")
    before = [scalar(settings, fingerprint.format(mart)) for mart in ("fct_area_indicators", "fct_area_signals")]
    builds.prepare_shadow(settings, copy_live=True)
    conn = connect(settings)
    with conn, conn.cursor() as cur:
        cur.execute("""
            select area_code, period_code, indicator_code from marts_build.fct_area_indicators
            where area_level = 'pc6' and is_suppressed and sensitivity_tier = 'openbaar' limit 1""")
        cell = cur.fetchone()
        cur.execute("""
            update marts_build.fct_area_indicators set numerator = 2, denominator = 40, value = 5,
                is_suppressed = false, suppression_reason = null
            where area_level = 'pc6' and (area_code, period_code, indicator_code) = %s""", (cell,))
        cur.execute("""
            update marts_build.fct_area_signals set value = 5, is_suppressed = false, suppression_reason = null
            where area_level = 'pc6' and (area_code, period_code, indicator_code) = %s""", (cell,))
        assert cur.rowcount == 1
    conn.close()
    try:
        with pytest.raises(builds.BuildRefused, match="nothing was published"):
            builds.audit_and_publish(settings)
    finally:
        conn = connect(settings)
        with conn, conn.cursor() as cur:
            cur.execute("drop schema marts_build cascade")
        conn.close()
    after = [scalar(settings, fingerprint.format(mart)) for mart in ("fct_area_indicators", "fct_area_signals")]
    assert after == before
    for login in logins:
        assert scalar(settings, "select count(*) from marts.fct_area_signals where area_level = 'pc6' and not "
                      f"is_suppressed and (area_code, period_code, indicator_code) = {cell!r}", login) == 0


def test_settings_in_the_environment_of_dbt_are_an_allowlist(superset_stack, monkeypatch):
    from straatkubus.cli import dbt_env

    monkeypatch.setenv("STRAATKUBUS_PSEUDONYM_KEY", "x" * 40)
    env = dbt_env(superset_stack)
    assert "STRAATKUBUS_PSEUDONYM_KEY" not in env and superset_stack.pseudonym_key not in env.values()
    assert env["STRAATKUBUS_PG_DATABASE"] == superset_stack.pg_database and "PATH" in env
    assert os.environ["STRAATKUBUS_PSEUDONYM_KEY"] == "x" * 40
