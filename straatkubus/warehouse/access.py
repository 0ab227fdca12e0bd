"""Who may read what, enforced by PostgreSQL itself (defence in depth behind Superset's RLS).

One source of truth: `superset/rls.yaml`. Superset applies its rules per user; here the same
rules become one reader **login per scope**, the set of a user's roles that any rule names.
Every relation Superset reads gets row-level security with one policy per login, whose
condition is exactly the clause Superset would add for that scope (rules of one group key
ORed, different group keys ANDed, Base rules for everyone not holding their roles). Superset
connects as the scope's login (`DB_CONNECTION_MUTATOR` in superset/superset_config.py), so a
chart expression that escapes Superset's filters still reads only the scope's rows.

A login is a member of no role, has no rights but SELECT on the published relations and
carries limits (statement time, memory, temporary files, connections). Functions that run
SQL given as text are not executable by any reader (`lock_down_functions`).

This module is imported by Superset's configuration too (its environment has PyYAML and
psycopg2 as well).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from psycopg2 import sql

from straatkubus.settings import MUNICIPALITIES

SUPERSET_DIR = Path(__file__).resolve().parents[2] / "superset"
SQL_DIR = Path(__file__).resolve().parent / "sql"
LOGIN_PREFIX = "reader_"
ACCESS_SCHEMA = "access"
MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1

# Limits of every reader login: a dashboard user's heaviest query ends with an error
# (Dutch in Superset, see superset_config.py) instead of exhausting the server.
READER_LIMITS = {
    "work_mem": "64MB",
    "temp_file_limit": "1GB",
    "idle_in_transaction_session_timeout": "60s",
    "lock_timeout": "5s",
}
READER_CONNECTION_LIMIT = 12  # Superset's 2 workers x 4 threads, with room for the health check


# --- scopes -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One rule of rls.yaml (preset-cli's shape)."""

    name: str
    filter_type: str  # "Regular" or "Base"
    tables: frozenset[str]
    roles: frozenset[str]
    group_key: str | None
    clause: str

    def applies_to(self, scope: frozenset[str]) -> bool:
        """Superset's semantics: a Regular rule filters who holds one of its roles, a Base
        rule everyone who holds none of them."""
        holds = bool(self.roles & scope)
        return holds if self.filter_type == "Regular" else not holds


def load_rules(source: Path = SUPERSET_DIR) -> list[Rule]:
    return [
        Rule(
            name=rule["name"],
            filter_type=rule["filter_type"],
            tables=frozenset(rule["tables"]),
            roles=frozenset(rule["roles"]),
            group_key=rule.get("group_key") or None,
            clause=str(rule["clause"]),
        )
        for rule in yaml.safe_load((source / "rls.yaml").read_text()) or []
    ]


def scope_of(roles: Iterable[str], rules: list[Rule]) -> frozenset[str]:
    """The roles of a user that decide what the rules let through."""
    named = frozenset().union(*(rule.roles for rule in rules))
    return frozenset(roles) & named


def login_name(scope: frozenset[str]) -> str:
    """A readable, stable login name per scope, e.g. reader_beleidsmedewerker__gemeente_heerlen."""
    slug = "__".join(re.sub(r"[^a-z0-9]+", "_", role.lower()).strip("_") for role in sorted(scope))
    name = LOGIN_PREFIX + (slug or "no_roles")
    if len(name) > MAX_IDENTIFIER:
        name = LOGIN_PREFIX + "scope_" + hashlib.sha256("\0".join(sorted(scope)).encode()).hexdigest()[:24]
    return name


def login_password(key: str, login: str) -> str:
    """The login's password, derived from the reader key of the state folder (never stored)."""
    return hmac.new(key.encode(), login.encode(), hashlib.sha256).hexdigest()


def row_filter(scope: frozenset[str], table: str, rules: list[Rule]) -> str:
    """The condition Superset adds for this scope on this table, as one SQL expression."""
    groups: dict[str, list[str]] = {}
    ungrouped: list[str] = []
    for rule in rules:
        if table in rule.tables and rule.applies_to(scope):
            clause = f"({rule.clause})"
            if rule.group_key:
                groups.setdefault(rule.group_key, []).append(clause)
            else:
                ungrouped.append(clause)
    parts = [f"({' or '.join(clauses)})" for _, clauses in sorted(groups.items())] + ungrouped
    return " and ".join(parts) or "true"


def published_relations(source: Path = SUPERSET_DIR) -> list[tuple[str, str]]:
    """(schema, table) of every dataset Superset reads: the relations readers may SELECT."""
    found = set()
    for path in (source / "assets" / "datasets").rglob("*.yaml"):
        config = yaml.safe_load(path.read_text())
        found.add((config["schema"], config["table_name"]))
    return sorted(found)


# --- the database -------------------------------------------------------------------------
def ensure_access_schema(cur) -> None:
    cur.execute(f"""
        create schema if not exists {ACCESS_SCHEMA};
        revoke all on schema {ACCESS_SCHEMA} from public;
        create table if not exists {ACCESS_SCHEMA}.reader_logins (
            login text primary key,
            roles text[] not null
        )""")


def sync_logins(cur, database: str, key: str, user_roles: Iterable[Iterable[str]],
                statement_timeout: str, source: Path = SUPERSET_DIR) -> list[str]:
    """Create or update one login per scope of these users (admin's included); drop the
    logins of scopes no user has any more. Returns the logins kept."""
    rules = load_rules(source)
    scopes = {login_name(scope): scope for scope in (scope_of(roles, rules) for roles in user_roles)}
    ensure_access_schema(cur)
    cur.execute(f"select login from {ACCESS_SCHEMA}.reader_logins")
    stale = {login for (login,) in cur.fetchall()} - scopes.keys()
    for login, scope in sorted(scopes.items()):
        cur.execute("select 1 from pg_roles where rolname = %s", (login,))
        verb = "alter" if cur.fetchone() else "create"
        cur.execute(sql.SQL(verb + " role {} login nosuperuser nocreatedb nocreaterole noinherit "
                            "noreplication nobypassrls connection limit {} password %s").format(
            sql.Identifier(login), sql.Literal(READER_CONNECTION_LIMIT)), (login_password(key, login),))
        limit_login(cur, login, statement_timeout)
        cur.execute(sql.SQL("grant connect on database {} to {}").format(
            sql.Identifier(database), sql.Identifier(login)))
        cur.execute(f"insert into {ACCESS_SCHEMA}.reader_logins (login, roles) values (%s, %s) "
                    "on conflict (login) do update set roles = excluded.roles", (login, sorted(scope)))
    for login in sorted(stale):
        cur.execute(f"delete from {ACCESS_SCHEMA}.reader_logins where login = %s", (login,))
        cur.execute("select 1 from pg_roles where rolname = %s", (login,))
        if cur.fetchone():
            cur.execute(sql.SQL("drop owned by {}").format(sql.Identifier(login)))
            cur.execute(sql.SQL("drop role {}").format(sql.Identifier(login)))
    return sorted(scopes)


def limit_login(cur, login: str, statement_timeout: str) -> None:
    """Statement time, memory and temporary-file limits, fixed per login."""
    for name, value in {"statement_timeout": statement_timeout, **READER_LIMITS}.items():
        cur.execute(sql.SQL("alter role {} set {} = {}").format(
            sql.Identifier(login), sql.Identifier(name), sql.Literal(value)))


def apply_policies(cur, schema: str, base_reader: str, source: Path = SUPERSET_DIR) -> None:
    """Row-level security on every table of `schema` (marts, or the build's shadow schema).

    Every table gets RLS: the base reader (Superset's login when no user is known, and
    what the disclosure audit inspects) may SELECT every mart but has no policy, so it reads
    no rows. The relations Superset publishes get SELECT and one policy per scope login. A
    published view reads with the reader's rights (security_invoker), so the tables it reads
    are filtered by the view's rules (`guarding_rules`) and granted with it.
    """
    rules = load_rules(source)
    published = {table for published_schema, table in published_relations(source)
                 if published_schema == "marts"}
    cur.execute(f"select login, roles from {ACCESS_SCHEMA}.reader_logins order by login")
    logins = [(login, frozenset(roles)) for login, roles in cur.fetchall()]
    readers = [base_reader, *(login for login, _ in logins)]
    cur.execute((SQL_DIR / "view_tables.sql").read_text(), {"schema": schema})
    guards = guarding_rules(published, cur.fetchall())
    cur.execute("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = %s and c.relkind in ('r', 'p') order by 1", (schema,))
    for (table,) in cur.fetchall():
        relation = sql.Identifier(schema, table)
        cur.execute(sql.SQL("alter table {} enable row level security; grant select on {} to {}").format(
            relation, relation, sql.Identifier(base_reader)))
        cur.execute("select polname from pg_policy where polrelid = %s::regclass",
                    (f'"{schema}"."{table}"',))
        for (policy,) in cur.fetchall():
            cur.execute(sql.SQL("drop policy {} on {}").format(sql.Identifier(policy), relation))
        if table not in guards:
            continue
        for login, scope in logins:
            condition = row_filter(scope, f"marts.{guards[table]}", rules)
            cur.execute(sql.SQL("grant select on {} to {}").format(relation, sql.Identifier(login)))
            cur.execute(sql.SQL("create policy {} on {} for select to {} using ").format(
                sql.Identifier(login), relation, sql.Identifier(login)) + sql.SQL(f"({condition})"))
    cur.execute("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = %s and c.relkind = 'v' and c.relname = any(%s) order by 1",
                (schema, sorted(published)))
    for (view,) in cur.fetchall():
        cur.execute(sql.SQL("grant select on {} to {}").format(
            sql.Identifier(schema, view), sql.SQL(", ").join(map(sql.Identifier, readers))))
    cur.execute(sql.SQL("grant usage on schema {} to {}").format(
        sql.Identifier(schema), sql.SQL(", ").join(map(sql.Identifier, readers))))
    create_viewer_function(cur, schema, logins)


def guarding_rules(published: set[str], view_tables: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Per table the readers may SELECT, the relation of rls.yaml whose rules filter it: a
    published table its own; a table a published view reads, the view's. A dimension
    (`dim_*`: descriptions, no figures; the audit holds it to that) keeps its own rules,
    normally none. A table two published views read would need both rules: refused."""
    guards = {table: table for table in published}
    for view, table in view_tables:
        if view not in published or table in published:
            continue
        guard = table if table.startswith("dim_") else view
        if guards.setdefault(table, guard) != guard:
            raise ValueError(f"{table} is read by two published views ({guards[table]}, {view}): "
                             "one rule set must filter it")
    return guards


def create_viewer_function(cur, schema: str, logins: list[tuple[str, frozenset[str]]]) -> None:
    """`<schema>.viewer_municipality_codes()`: the municipality codes of the login running the
    query (e.g. to mark the user's own municipality in a chart). Plain SQL over `current_user`,
    no table and no SECURITY DEFINER: it tells a login nothing but its own scope."""
    cases = [
        sql.SQL("when {} then {}").format(sql.Literal(login), sql.Literal(codes))
        for login, roles in logins
        for codes in [sorted(code for code, name in MUNICIPALITIES.items() if f"Gemeente {name}" in roles)]
    ]
    body = sql.SQL("select case current_user::text {} else array[]::text[] end").format(
        sql.SQL(" ").join(cases)) if cases else sql.SQL("select array[]::text[]")
    cur.execute(sql.SQL("create or replace function {}() returns text[] language sql stable "
                        "as {}").format(sql.Identifier(schema, "viewer_municipality_codes"),
                                        sql.Literal(body.as_string(cur))))


# --- functions that run SQL given as text ---------------------------------------------------------
# Reviewed by hand: each runs a query, or reads a whole relation, schema or database, passed
# as text, a name or a cursor, so it reads around row-level security of the caller's view.
# `text_query_functions.sql` finds them (and any new one a PostgreSQL or PostGIS version
# brings); a test fails when it finds one missing here, so a new one is reviewed.
REVIEWED_TEXT_QUERY_FUNCTIONS = frozenset({
    # PostgreSQL: a query as text or cursor, a whole table, schema or database
    "cursor_to_xml(refcursor,integer,boolean,boolean,text)",
    "cursor_to_xmlschema(refcursor,boolean,boolean,text)",
    "database_to_xml(boolean,boolean,text)",
    "database_to_xml_and_xmlschema(boolean,boolean,text)",
    "database_to_xmlschema(boolean,boolean,text)",
    "query_to_xml(text,boolean,boolean,text)",
    "query_to_xml_and_xmlschema(text,boolean,boolean,text)",
    "query_to_xmlschema(text,boolean,boolean,text)",
    "schema_to_xml(name,boolean,boolean,text)",
    "schema_to_xml_and_xmlschema(name,boolean,boolean,text)",
    "schema_to_xmlschema(name,boolean,boolean,text)",
    "table_to_xml(regclass,boolean,boolean,text)",
    "table_to_xml_and_xmlschema(regclass,boolean,boolean,text)",
    "table_to_xmlschema(regclass,boolean,boolean,text)",
    "ts_rewrite(tsquery,text)",
    "ts_stat(text)",
    "ts_stat(text,text)",
    # PostGIS: statistics and extents of a table by name; DDL and locks by dynamic SQL
    "_postgis_index_extent(regclass,text)",
    "_postgis_join_selectivity(regclass,text,regclass,text,text)",
    "_postgis_selectivity(regclass,text,geometry,text)",
    "_postgis_stats(regclass,text,text)",
    "addauth(text)",
    "addgeometrycolumn(character varying,character varying,character varying,character varying,integer,character varying,integer,boolean)",  # noqa: E501
    "checkauth(text,text,text)",
    "disablelongtransactions()",
    "dropgeometrycolumn(character varying,character varying,character varying,character varying)",
    "dropgeometrytable(character varying,character varying,character varying)",
    "enablelongtransactions()",
    "lockrow(text,text,text,text,timestamp without time zone)",
    "populate_geometry_columns(oid,boolean)",
    "postgis_extensions_upgrade()",
    "st_estimatedextent(text,text)",
    "st_estimatedextent(text,text,text)",
    "st_estimatedextent(text,text,text,boolean)",
    "st_findextent(text,text)",
    "st_findextent(text,text,text)",
    "unlockrows(text)",
    "updategeometrysrid(character varying,character varying,character varying,character varying,integer)",
})  # fmt: skip
# Also closed to readers: changing one's own limits, and column statistics (most common
# values and histograms are not filtered by row-level security).
EXTRA_REVOKED_FUNCTIONS = ("set_config(text,text,boolean)",)
STATISTICS_VIEWS = ("pg_catalog.pg_stats", "pg_catalog.pg_stats_ext", "pg_catalog.pg_stats_ext_exprs")


def text_query_functions(cur) -> set[str]:
    """Every function the systematic search finds (signatures as regprocedure text)."""
    cur.execute((SQL_DIR / "text_query_functions.sql").read_text())
    return {signature for (signature,) in cur.fetchall()}


def lock_down_functions(cur) -> list[str]:
    """Revoke EXECUTE from PUBLIC on every function that runs SQL given as text (the reviewed
    list and whatever the search finds), on set_config, and SELECT on column statistics.
    Run in the warehouse database as a superuser; returns the functions revoked."""
    found = text_query_functions(cur)
    cur.execute("select p.oid::regprocedure::text from pg_proc p")
    existing = {signature for (signature,) in cur.fetchall()}
    revoked = sorted((found | REVIEWED_TEXT_QUERY_FUNCTIONS | set(EXTRA_REVOKED_FUNCTIONS)) & existing)
    for signature in revoked:
        cur.execute(f"revoke execute on function {signature} from public")
    for view in STATISTICS_VIEWS:
        cur.execute(f"revoke select on {view} from public")
    return revoked
