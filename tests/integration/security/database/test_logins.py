"""The database on its own: each reader login reads exactly its rows and cannot widen its rights."""

from __future__ import annotations

import psycopg2
import pytest

from ..oracle import CATALOGUE, DEMO_USERS, RLS_COLUMNS, Access
from .connections import connect, scalar

pytestmark = pytest.mark.stack


def test_every_demo_user_has_a_login_of_their_scope(superset_stack, logins):
    assert "reader_admin" in logins
    for user in DEMO_USERS.values():
        assert not {"Admin"} & set(user["roles"]), "no demo user holds Admin"
        assert any(roles == frozenset(user["roles"]) for roles in logins.values()), user["username"]


# The tables behind the published views (README: each fact stored once), which a login reads
# with its own rights through the view, and so may read directly too.
STORED = {"fct_area_signals": "fct_area_signal_values", "fct_border_zone_pc6": "fct_border_zone_pc6_values"}


@pytest.mark.parametrize("stored", [False, True], ids=["published", "stored"])
def test_each_login_reads_exactly_its_rows(superset_stack, logins, stored):
    """Straight from PostgreSQL, without Superset: every row a login reads is allowed by the
    README's model, and it reads every allowed row (counts per RLS columns as the owner), in
    the relations Superset reads and in the tables behind them."""
    for table, columns in RLS_COLUMNS.items():
        listed = ", ".join(columns)
        relation = STORED[table] if stored else table
        query = f"select {listed}, count(*) from marts.{relation} group by {listed}"
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
    for table in ("fct_area_signals", "fct_area_signal_values", "fct_area_indicators", "dim_areas",
                  "dim_indicators"):
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
