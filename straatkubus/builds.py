"""What `straatkubus build` has to rebuild: everything, only some years, or nothing.

Every successful build is recorded in raw.builds with the newest delivery it saw and a
fingerprint of what else decides the result (the dbt project's files and the CBS
reference tables). The next build compares the warehouse with that record:

- no build recorded, a changed fingerprint, or a new delivery of a register (BRP, BAG,
  WOZ, ...) or of the insurer: a full build (`dbt build --full-refresh`);
- only new event deliveries (police, environment agency, public-space reports: the
  monthly sources): the models downstream of those sources and their data tests, for
  the years the deliveries concern (STRAATKUBUS_REBUILD_YEARS, see
  macros/incremental.sql);
- nothing new: no build.

A failed build records nothing, so the next one redoes its work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import psycopg2

from straatkubus.contracts import CONTRACTS
from straatkubus.settings import REPO, Settings

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


@dataclass(frozen=True)
class BuildPlan:
    scope: str  # "full", "years" or "none"
    reason: str
    last_delivery_id: int
    fingerprint: str
    years: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()

    def dbt_args(self) -> list[str]:
        if self.scope == "full":
            return ["build", "--full-refresh"]
        # the unit tests check the models' logic, unchanged since the last build
        return ["build", "--exclude-resource-type", "unit_test",
                "--select", *(f"source:*.{source}+" for source in self.sources)]

    def dbt_env(self) -> dict[str, str]:
        return {REBUILD_YEARS_ENV: ",".join(map(str, self.years))}

    def describe(self) -> str:
        if self.scope == "years":
            return (f"incremental build of {', '.join(map(str, self.years))} "
                    f"({self.reason})")
        return f"{'full build' if self.scope == 'full' else 'no build'} ({self.reason})"


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
