"""Functions that run SQL given as text: found, revoked from every reader, refused through
every place a chart takes SQL."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from straatkubus.warehouse import access

from ..client import COUNT, REJECTED, dataset_query
from ..oracle import DEMO_USERS
from .connections import connect

pytestmark = pytest.mark.stack


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
NON_ADMIN_VIEWERS = sorted(name for name, user in DEMO_USERS.items() if "Admin" not in user["roles"])


def post_expression(session, base: str, dataset_id: int, expression: str, place: str) -> requests.Response:
    sql = {"expressionType": "SQL", "sqlExpression": expression, "label": "x"}
    query: dict[str, Any] = {"columns": [], "metrics": [], "row_limit": 1000,
                             "extras": {"where": "", "having": ""}}
    if place == "column":
        query["columns"], query["metrics"] = [sql], [COUNT]
    else:
        query["metrics"] = [{**sql, "sqlExpression": f"max({expression})"}]
    body = dataset_query(dataset_id, query, force=True)
    return session.post(f"{base}/api/v1/chart/data", json=body, timeout=120)


@pytest.mark.parametrize("username", NON_ADMIN_VIEWERS)
def test_functions_running_sql_text_are_refused(username, superset_stack, viewer_sessions, datasets):
    """Every SQL-text function, in a custom column and in a custom metric, on every dataset:
    the database refuses (no access, in Dutch; in a metric a set-returning one is refused
    before that); nothing comes back."""
    session = viewer_sessions[username]
    for table, dataset_id in datasets.items():
        for attack in TEXT_QUERY_ATTACKS:
            for place in ("column", "metric"):
                response = post_expression(session, superset_stack.superset_url, dataset_id,
                                           attack.format(table=table), place)
                assert response.status_code in REJECTED, (table, attack, place, response.text[:300])
                message = response.json()["message"]
                assert "geen toegang" in message or (place == "metric" and "set-returning" in message), message
