"""What `straatkubus build` has to rebuild: everything, only some years, or nothing.

Every successful build is recorded in raw.builds with the newest delivery it saw and a
fingerprint of what else decides the result (the dbt project's files and the CBS
reference tables). The next build compares the warehouse with that record:

- no build recorded, a changed fingerprint, or a new delivery of a register (BRP, BAG,
  WOZ, ...) or of the insurer: a full build (`dbt build --full-refresh`);
- only new event deliveries (police, environment agency, public-space reports: the
  monthly sources): the models downstream of those sources and their data tests, for
  the years the deliveries concern (STRAATKUBUS_REBUILD_YEARS, see
  macros/incremental/rebuilt_years.sql);
- nothing new: no build.

A failed build records nothing, so the next one redoes its work.

Write, audit, publish: dbt builds the marts in a shadow schema out of Superset's sight
(`marts_build`: empty for a full build, a copy of the live marts otherwise), runs every
test there, then `straatkubus audit` checks the shadow as the readers would see it. Only
then are the readers' policies applied and the shadow swapped in for `marts`, in one
transaction. A failing test or audit leaves the marts Superset reads as they were.

After a server crash PostgreSQL empties every unlogged table (the intermediates, which a
full build always fills): a build that finds one of them empty builds in full.

Before building, `dbt source freshness` measures how long ago each raw table was last
loaded (its newest delivery's load time, not the period it describes): stale sources are
reported, and a municipal register that any municipality last delivered more than
STRAATKUBUS_MAX_REGISTER_AGE_DAYS ago (checked per sender) refuses the build unless `--force`.

A year is built for a municipality once its register deliveries are complete (dbt decides
in intermediate.int_register_years); until then the build builds all else, and
`waiting_for` says which deliveries it waits for.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg2
from psycopg2 import sql

from straatkubus.ingest.contracts import CONTRACTS
from straatkubus.settings import MUNICIPALITIES, REPO, Settings
from straatkubus.warehouse import access

BUILDS_DDL = """
create schema if not exists raw;
create table if not exists raw.builds (
    build_id bigserial primary key,
    finished_at timestamptz not null default now(),
    last_delivery_id bigint not null,
    fingerprint text not null,
    scope text not null
);
"""
# What the dbt build reads besides the deliveries: its own files and the reference data.
PROJECT_PATHS = ("dbt_project.yml", "models", "macros", "seeds", "tests/dbt")
REFERENCE_TABLES = ("cbs_pc4_areas", "cbs_wijken", "cbs_municipality_areas",
                    "cbs_municipality_figures")
EVENT_SOURCES = frozenset(name for name, contract in CONTRACTS.items() if contract.monthly)
# The years an incremental build rebuilds, for dbt (empty: every year).
REBUILD_YEARS_ENV = "STRAATKUBUS_REBUILD_YEARS"
# Where dbt writes the marts (macros/generate_schema_name.sql): the shadow, never the live one.
MARTS_SCHEMA_ENV = "STRAATKUBUS_MARTS_SCHEMA"
LIVE_SCHEMA = "marts"
SHADOW_SCHEMA = "marts_build"


class BuildRefused(RuntimeError):
    """dbt, its tests or the disclosure audit failed: nothing was published. `exit_code` is
    what `straatkubus build` exits with: dbt's own when dbt failed, else 1."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class BuildPlan:
    scope: str  # "full", "years" or "none"
    reason: str
    last_delivery_id: int
    fingerprint: str
    years: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()
    selector: str = ""  # scope "select": only these dbt nodes (not recorded as a build)

    def dbt_args(self) -> list[str]:
        if self.scope == "full":
            return ["build", "--full-refresh"]
        if self.scope == "select":
            return ["build", "--select", self.selector]
        # the unit tests check the models' logic, unchanged since the last build
        return ["build", "--exclude-resource-type", "unit_test",
                "--select", *(f"source:*.{source}+" for source in self.sources)]

    def dbt_env(self) -> dict[str, str]:
        return {REBUILD_YEARS_ENV: ",".join(map(str, self.years)), MARTS_SCHEMA_ENV: SHADOW_SCHEMA}

    def describe(self) -> str:
        if self.scope == "select":
            return f"build of {self.selector} (asked for)"
        if self.scope == "years":
            return (f"incremental build of {', '.join(map(str, self.years))} "
                    f"({self.reason})")
        return f"{'full build' if self.scope == 'full' else 'no build'} ({self.reason})"


@dataclass(frozen=True)
class Freshness:
    """How long ago a raw table was last loaded, as `dbt source freshness` measures it: on
    its loaded_at_field, the load time of its newest delivery (never the period delivered,
    which is in the past by nature)."""

    source: str  # dbt's source.table, e.g. brp.brp_persons
    table: str
    status: str  # dbt's: pass, warn, error (its thresholds), or runtime error
    age_days: float | None  # None: not measured (nothing loaded)

    def describe(self) -> str:
        if self.age_days is None:
            return f"{self.source}: freshness not measured ({self.status}; nothing loaded?)"
        return f"{self.source}: last loaded {self.age_days:.0f} days ago ({self.status})"


REGISTERS = frozenset(name for name, contract in CONTRACTS.items() if contract.is_register)


def source_freshness(settings: Settings, run_dbt: Callable[[list[str], dict[str, str]], None],
                     env: dict[str, str]) -> list[Freshness]:
    """Run `dbt source freshness` with the build's `env` (dbt parses the project again, in
    full, when an environment variable its macros read has changed since its last parse, so
    the build that follows reuses this parse); its results land in dbt's target path
    (DBT_TARGET_PATH, straatkubus.cli.dbt_env)."""
    results = settings.state_dir / "dbt-target" / "sources.json"
    results.unlink(missing_ok=True)
    try:
        run_dbt(["source", "freshness"], env)
    except BuildRefused:  # dbt exits 1 when a source is past its error_after
        if not results.exists():
            raise
    measured = []
    for result in json.loads(results.read_text())["results"]:
        source, table = result["unique_id"].split(".")[-2:]
        age = result.get("max_loaded_at_time_ago_in_s")
        measured.append(Freshness(f"{source}.{table}", table, result["status"],
                                  None if age is None else age / 86400))
    return measured


def _stale_registers(settings: Settings, limit_days: int) -> list[str]:
    """Per municipal register, the senders whose newest delivery was loaded more than
    `limit_days` ago, on the column dbt's freshness reads (dbt measures per table, so one
    municipality's overdue register would hide behind the others' recent loads), e.g.
    'brp_persons of GM0882, GM0899'."""
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select relname from pg_class where relnamespace = to_regnamespace('raw') "
                        "and relname = any(%s) order by relname", (sorted(REGISTERS),))
            stale = []
            for (table,) in cur.fetchall():
                cur.execute(sql.SQL(
                    "select string_agg(delivery_sender, ', ' order by delivery_sender) from ("
                    "select delivery_sender from raw.{} group by delivery_sender "
                    "having max(delivery_loaded_at) < now() - make_interval(days => %s)) as late"
                ).format(sql.Identifier(table)), (limit_days,))
                senders = cur.fetchone()[0]
                if senders:
                    stale.append(f"{table} of {senders}")
            return stale
    finally:
        conn.close()


def check_freshness(settings: Settings, run_dbt: Callable[[list[str], dict[str, str]], None],
                    env: dict[str, str], force: bool = False) -> list[str]:
    """The stale sources, one line each; BuildRefused when a municipal register was last
    loaded more than STRAATKUBUS_MAX_REGISTER_AGE_DAYS ago, unless `force`."""
    measured = source_freshness(settings, run_dbt, env)
    limit = settings.max_register_age_days
    stale = _stale_registers(settings, limit)
    lines = [f"stale source {f.describe()}" for f in measured if f.status != "pass"]
    if stale:
        registers = f"{'; '.join(stale)} last loaded more than {limit} days ago"
        if not force:
            raise BuildRefused("\n".join([
                *lines, f"refused: {registers} (STRAATKUBUS_MAX_REGISTER_AGE_DAYS): load their "
                "new deliveries, or build anyway with --force; nothing was built"]))
        lines.append(f"building anyway (--force): {registers}")
    return lines


def project_fingerprint(cur) -> str:
    """SHA-256 over the dbt project's files and the content of the reference tables."""
    digest = hashlib.sha256()
    for top in PROJECT_PATHS:
        path = REPO / top
        for file in sorted([path] if path.is_file() else path.rglob("*")):
            if file.is_file():
                digest.update(str(file.relative_to(REPO)).encode() + b"\0" + file.read_bytes())
    for table in REFERENCE_TABLES:
        cur.execute(f"select md5(coalesce(string_agg(row, ',' order by row), '')) from ("
                    f"select md5((to_jsonb(t) - 'loaded_at')::text) as row from raw.{table} as t) as rows")
        digest.update(cur.fetchone()[0].encode())
    return digest.hexdigest()


def plan(settings: Settings, full: bool = False) -> BuildPlan:
    """Compare the warehouse with the last recorded build (see the module docstring)."""
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select to_regclass('raw.deliveries') is not null and "
                        "to_regclass('raw.cbs_pc4_areas') is not null")
            if not cur.fetchone()[0]:
                raise ValueError("nothing is loaded yet: run `straatkubus load <folder>` first")
            cur.execute(BUILDS_DDL)
            # waits for loads in progress, so that no delivery below the newest id is missed
            cur.execute("lock table raw.deliveries in share mode")
            cur.execute("select coalesce(max(delivery_id), 0) from raw.deliveries")
            last_delivery_id = cur.fetchone()[0]
            fingerprint = project_fingerprint(cur)
            cur.execute("select last_delivery_id, fingerprint from raw.builds "
                        "order by build_id desc limit 1")
            previous = cur.fetchone()
            emptied = emptied_intermediates(cur) if previous else []
            cur.execute("select distinct source, left(period, 4)::integer from raw.deliveries "
                        "where delivery_id > %s and outcome in ('loaded', 'replaced')",
                        (previous[0] if previous else 0,))
            new = cur.fetchall()
    finally:
        conn.close()

    def full_plan(reason: str) -> BuildPlan:
        return BuildPlan("full", reason, last_delivery_id, fingerprint)

    if full:
        return full_plan("asked for")
    if previous is None:
        return full_plan("no earlier build")
    if previous[1] != fingerprint:
        return full_plan("the dbt project or the reference data changed")
    if emptied:
        return full_plan(f"{len(emptied)} unlogged intermediate table(s) are empty, e.g. {emptied[0]}: "
                         "the server crashed or restarted uncleanly since the last build")
    sources = sorted({source for source, _ in new})
    if not sources:
        return BuildPlan("none", f"no new deliveries since delivery {previous[0]}",
                         last_delivery_id, fingerprint)
    if not EVENT_SOURCES.issuperset(sources):
        return full_plan(f"new deliveries of {', '.join(sorted(set(sources) - EVENT_SOURCES))}")
    return BuildPlan("years", f"new deliveries of {', '.join(sources)}", last_delivery_id,
                     fingerprint, years=tuple(sorted({year for _, year in new})),
                     sources=tuple(sources))


def record(settings: Settings, done: BuildPlan) -> None:
    """Record a successful build: the next plan starts from it."""
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            cur.execute("insert into raw.builds (last_delivery_id, fingerprint, scope) "
                        "values (%s, %s, %s)", (done.last_delivery_id, done.fingerprint,
                                                done.describe()))
    finally:
        conn.close()


def emptied_intermediates(cur) -> list[str]:
    """Unlogged intermediate tables without rows (what crash recovery leaves of them)."""
    cur.execute("select c.oid::regclass::text from pg_class c join pg_namespace n "
                "on n.oid = c.relnamespace where n.nspname = 'intermediate' "
                "and c.relpersistence = 'u' and c.relkind = 'r' order by 1")
    empty = []
    for (table,) in cur.fetchall():
        cur.execute(f"select not exists (select from {table})")
        if cur.fetchone()[0]:
            empty.append(table)
    return empty


def waiting_for(settings: Settings) -> list[str]:
    """The register deliveries the built warehouse waits for, one line per year and set of
    missing deliveries (with the municipalities missing them): what int_register_years,
    as last built, says is incomplete."""
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select to_regclass('intermediate.int_register_years') is not null")
            if not cur.fetchone()[0]:
                return []
            cur.execute("select period_year, missing_deliveries, array_agg(municipality_code "
                        "order by municipality_code) from intermediate.int_register_years "
                        "where not is_complete group by 1, 2 order by 1, 2")
            rows = cur.fetchall()
    finally:
        conn.close()
    return [f"waiting for {year}: {missing} of "
            f"{', '.join(f'{MUNICIPALITIES.get(code, code)} ({code})' for code in codes)}; "
            f"{year} is not built for {'it' if len(codes) == 1 else 'them'} until they come"
            for year, missing, codes in rows]


def prepare_shadow(settings: Settings, copy_live: bool) -> None:
    """A fresh shadow schema; with `copy_live`, holding a copy of every live mart (what an
    incremental build changes by year): the tables, and the views over them."""
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql.SQL("drop schema if exists {} cascade; create schema {}").format(
                sql.Identifier(SHADOW_SCHEMA), sql.Identifier(SHADOW_SCHEMA)))
            if not copy_live:
                return
            cur.execute("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                        "where n.nspname = %s and c.relkind = 'r' order by 1", (LIVE_SCHEMA,))
            for (table,) in cur.fetchall():
                shadow, live = sql.Identifier(SHADOW_SCHEMA, table), sql.Identifier(LIVE_SCHEMA, table)
                # indexes built after the rows are in: a third of the time of keeping them up
                # to date row by row
                cur.execute(sql.SQL("create table {} (like {} including all excluding indexes); "
                                    "insert into {} table {}").format(shadow, live, shadow, live))
                for statement in index_statements(cur, LIVE_SCHEMA, SHADOW_SCHEMA, table):
                    cur.execute(statement)
                # the base reader's grant, as dbt's `grants` config gives every mart it builds
                cur.execute(sql.SQL("analyze {}; grant select on {} to {}").format(
                    shadow, shadow, sql.Identifier(settings.reader_user)))
            # the views over them (the marts Superset reads), on the copies, with their options
            cur.execute("select c.relname, pg_get_viewdef(c.oid), coalesce(c.reloptions, '{}') "
                        "from pg_class c where c.relnamespace = %s::regnamespace and c.relkind = 'v' "
                        "order by 1", (LIVE_SCHEMA,))
            for view, definition, options in cur.fetchall():
                shadow = sql.Identifier(SHADOW_SCHEMA, view)
                on_copies = re.sub(rf"\b{LIVE_SCHEMA}\.", f"{SHADOW_SCHEMA}.", definition)
                cur.execute(sql.SQL("create view {} {} as {}; grant select on {} to {}").format(
                    shadow, sql.SQL(f"with ({', '.join(options)})" if options else ""),
                    sql.SQL(on_copies.rstrip().rstrip(";")), shadow, sql.Identifier(settings.reader_user)))
    finally:
        conn.close()


def index_statements(cur, schema: str, into: str, table: str) -> list[sql.Composable]:
    """The statements that give `into.table` the indexes and the unique and primary key
    constraints of `schema.table` (the indexes named by PostgreSQL)."""
    cur.execute("select pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid) "
                "from pg_index i left join pg_constraint c on c.conindid = i.indexrelid "
                "and c.conrelid = i.indrelid where i.indrelid = %s::regclass order by 1",
                (f"{schema}.{table}",))
    statements = []
    for definition, constraint, constraint_definition in cur.fetchall():
        if constraint:
            statements.append(sql.SQL("alter table {} add constraint {} {}").format(
                sql.Identifier(into, table), sql.Identifier(constraint), sql.SQL(constraint_definition)))
        else:
            using = definition[definition.index(" USING "):]
            unique = "unique " if definition.startswith("CREATE UNIQUE") else ""
            statements.append(sql.SQL("create {}index on {}{}").format(
                sql.SQL(unique), sql.Identifier(into, table), sql.SQL(using)))
    return statements


def publish(settings: Settings) -> None:
    """Apply the readers' policies to the shadow marts and swap them in, in one transaction."""
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            access.ensure_access_schema(cur)
            access.apply_policies(cur, SHADOW_SCHEMA, settings.reader_user)
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier("marts_previous")))
            cur.execute("select 1 from pg_namespace where nspname = %s", (LIVE_SCHEMA,))
            if cur.fetchone():
                cur.execute(sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(LIVE_SCHEMA), sql.Identifier("marts_previous")))
            cur.execute(sql.SQL("alter schema {} rename to {}").format(
                sql.Identifier(SHADOW_SCHEMA), sql.Identifier(LIVE_SCHEMA)))
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier("marts_previous")))
    finally:
        conn.close()


def build(settings: Settings, plan: BuildPlan, run_dbt: Callable[[list[str], dict[str, str]], None],
          force: bool = False, echo: Callable[[str], None] = print) -> dict[str, float]:
    """What `straatkubus build` does once it has a plan: check the sources' freshness (each
    stale source echoed), then write, audit, publish (module docstring). `run_dbt(args, env)`
    runs dbt and raises BuildRefused when it fails. Records the build once it is published.
    Returns the seconds each step took."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    for step, action in (
        ("freshness", lambda: [echo(line) for line in check_freshness(settings, run_dbt, plan.dbt_env(),
                                                                      force=force)]),
        ("shadow", lambda: prepare_shadow(settings, copy_live=plan.scope != "full")),
        ("dbt", lambda: run_dbt(plan.dbt_args(), plan.dbt_env())),
        ("audit and publish", lambda: audit_and_publish(settings)),
    ):
        action()
        seconds[step] = time.perf_counter() - started - sum(seconds.values())
    if plan.scope != "select":
        record(settings, plan)
    return seconds


def audit_and_publish(settings: Settings) -> None:
    """Publish the shadow marts if the disclosure audit finds nothing in them."""
    from straatkubus.publish.audit import audit

    report = audit(settings, schema=SHADOW_SCHEMA)
    if not report.passed:
        raise BuildRefused(f"{report.render()}\nthe disclosure audit found {report.finding_count} "
                           "finding(s) in the new marts: nothing was published, Superset reads the "
                           "marts as they were")
    publish(settings)
