"""The DuckDB reference: the same dbt models, staging to marts (the disclosure control
included), built on DuckDB with dbt-duckdb from the same raw rows, and the marts of both
engines compared.

PostgreSQL hands DuckDB what it is given: the raw tables, and the relations of the models
that need PostGIS (macros/computed_in_postgresql.sql: area boundaries, address points,
the PC6 areas, the address-to-wijk assignment, the border zone, dim_areas), as Parquet with
PostgreSQL's column types. That export is timed apart from the DuckDB build (`dbt build
--target duckdb`: seeds, models, unit and data tests, in a fresh DuckDB file). Every mart
is then compared: row count and an order-independent checksum of its canonical rows,
computed by DuckDB the same way for both engines.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from straatkubus.bench.report import Progress
from straatkubus.settings import REPO, Settings

MODELS = REPO / "models"
# What the DuckDB build runs: everything `straatkubus build` runs (seeds, models, unit and
# data tests) but the source freshness, the audit and the publication, which are
# PostgreSQL's.
DBT_COMMAND = ("build", "--target", "duckdb", "--full-refresh")
HAND_OVER = re.compile(r"{%-?\s*call\s+computed_in_postgresql\(\)")
MODEL_SCHEMAS = ("staging", "intermediate", "marts")

COLUMNS = """
select a.attname, format_type(a.atttypid, a.atttypmod)
from pg_attribute as a
where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
order by a.attnum
"""
RAW_TABLES = """
select c.relname from pg_class as c inner join pg_namespace as n on c.relnamespace = n.oid
where n.nspname = 'raw' and c.relkind in ('r', 'p') order by c.relname
"""
RELATION_SCHEMA = """
select n.nspname from pg_class as c inner join pg_namespace as n on c.relnamespace = n.oid
where c.relname = %s and n.nspname = any(%s)
"""
# PostgreSQL's types as DuckDB reads them from CSV (a geometry stays its hex EWKB text).
EXACT_TYPES = {"integer": "integer", "bigint": "bigint", "smallint": "smallint",
               "double precision": "double", "real": "float", "boolean": "boolean",
               "date": "date", "timestamp without time zone": "timestamp",
               "timestamp with time zone": "timestamptz", "uuid": "uuid", "numeric": "double"}
NUMERIC = re.compile(r"numeric\((\d+),(\d+)\)")


@dataclass(frozen=True)
class MartComparison:
    name: str
    postgres: tuple[int, str]  # (rows, checksum)
    duckdb: tuple[int, str]

    @property
    def equal(self) -> bool:
        return self.postgres == self.duckdb


@dataclass(frozen=True)
class Reference:
    export_seconds: float  # PostgreSQL → Parquet → the DuckDB file's raw schema
    build_seconds: float  # `dbt` DBT_COMMAND on DuckDB
    raw_rows: int
    handed_over: tuple[str, ...]  # models DuckDB reads as PostgreSQL built them
    marts: tuple[MartComparison, ...]

    @property
    def identical(self) -> int:
        return sum(mart.equal for mart in self.marts)

    @property
    def command(self) -> str:
        return "dbt " + " ".join(DBT_COMMAND)


def handed_over_models() -> tuple[str, ...]:
    """The models PostgreSQL computes for DuckDB: those whose SQL is wrapped in
    computed_in_postgresql."""
    return tuple(sorted(path.stem for path in MODELS.rglob("*.sql")
                        if HAND_OVER.search(path.read_text())))


def marts() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in (MODELS / "marts").rglob("*.sql")))


def duckdb_type(postgres_type: str) -> str:
    numeric = NUMERIC.fullmatch(postgres_type)
    if numeric and int(numeric.group(1)) <= 38:
        return f"decimal({numeric.group(1)},{numeric.group(2)})"
    return EXACT_TYPES.get(postgres_type, "varchar")


def export(cur, relation: str, target: Path, db) -> int:
    """One PostgreSQL relation to Parquet with its column types (through CSV, which
    PostgreSQL writes fastest); its row count."""
    cur.execute(COLUMNS, (relation,))
    columns = {name: duckdb_type(kind) for name, kind in cur.fetchall()}
    csv = target.with_suffix(".csv")
    with open(csv, "w") as handle:
        cur.copy_expert(f"copy (select * from {relation}) to stdout with (format csv, header)",
                        handle)
    db.execute(f"copy (select * from read_csv(?, header = true, columns = ?, "
               f"allow_quoted_nulls = false)) to '{target}' (format parquet)",
               [str(csv), columns])
    csv.unlink()
    return db.execute("select count(*) from read_parquet(?)", [str(target)]).fetchone()[0]


def hand_over(settings: Settings, folder: Path, database: Path) -> int:
    """Export the raw tables and the handed-over relations from PostgreSQL; load the raw
    tables into a fresh DuckDB file. The raw rows."""
    import duckdb

    for sub in ("raw", "postgresql"):
        (folder / sub).mkdir(parents=True)
    db = duckdb.connect(str(database))
    conn = psycopg2.connect(settings.dsn(), application_name="straatkubus duckdb reference")
    rows = 0
    try:
        with conn.cursor() as cur:
            cur.execute(RAW_TABLES)
            raw = [name for (name,) in cur.fetchall()]
            db.execute("create schema raw")
            for name in raw:
                parquet = folder / "raw" / f"{name}.parquet"
                rows += export(cur, f"raw.{name}", parquet, db)
                db.execute(f"create table raw.{name} as select * from read_parquet(?)",
                           [str(parquet)])
            for name in handed_over_models():
                cur.execute(RELATION_SCHEMA, (name, list(MODEL_SCHEMAS)))
                (schema,) = cur.fetchone()
                export(cur, f"{schema}.{name}", folder / "postgresql" / f"{name}.parquet", db)
    finally:
        conn.close()
        db.close()
    return rows


def canonical_checksum(db, relation: str) -> tuple[int, str]:
    """(rows, md5 of the sorted md5s of the rows) of a DuckDB relation; a row is its values
    as text, numbers as doubles (so that 1.50 and 1.5 are one value), nulls marked."""
    described = db.execute(f"describe select * from {relation}").fetchall()
    values = []
    for name, kind, *_ in described:
        column = f'"{name}"'
        if re.match(r"(decimal|double|float|real|(u?(tiny|small|big|huge)?int))", kind.lower()):
            column = f"{column}::double"
        values.append(f"coalesce({column}::varchar, '\\N')")
    return db.execute(
        f"select count(*), coalesce(md5(string_agg(row_md5, '' order by row_md5)), '') "
        f"from (select md5(concat_ws('|', {', '.join(values)})) as row_md5 from {relation})"
    ).fetchone()


def compare_marts(settings: Settings, folder: Path, database: Path) -> tuple[MartComparison, ...]:
    """Every mart of PostgreSQL's published `marts` schema against DuckDB's."""
    import duckdb

    db = duckdb.connect(str(database))
    conn = psycopg2.connect(settings.dsn(), application_name="straatkubus duckdb reference")
    compared = []
    try:
        with conn.cursor() as cur:
            for name in marts():
                parquet = folder / "postgresql-marts" / f"{name}.parquet"
                parquet.parent.mkdir(exist_ok=True)
                export(cur, f"marts.{name}", parquet, db)
                compared.append(MartComparison(
                    name, canonical_checksum(db, f"read_parquet('{parquet}')"),
                    canonical_checksum(db, f"marts.{name}")))
    finally:
        conn.close()
        db.close()
    return tuple(compared)


def duckdb_reference(settings: Settings, progress: Progress) -> Reference:
    """From a built PostgreSQL warehouse: hand DuckDB the raw rows and the PostGIS models'
    relations (timed), build the project on DuckDB (timed), and compare every mart."""
    from straatkubus.cli import run_dbt

    folder = settings.duckdb_folder
    shutil.rmtree(folder, ignore_errors=True)
    database = folder / "warehouse.duckdb"
    progress("DuckDB reference: PostgreSQL hands over the raw tables and the PostGIS models")
    started = time.perf_counter()
    raw_rows = hand_over(settings, folder, database)
    export_seconds = time.perf_counter() - started
    progress(f"DuckDB reference: dbt {' '.join(DBT_COMMAND)}")
    started = time.perf_counter()
    code = run_dbt(settings, *DBT_COMMAND, "--target-path", str(folder / "dbt-target"),
                   "--log-path", str(folder / "dbt-logs"))
    build_seconds = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"dbt on DuckDB failed (exit {code}): see {folder / 'dbt-logs'}")
    progress("DuckDB reference: comparing the marts of both engines")
    return Reference(export_seconds, build_seconds, raw_rows, handed_over_models(),
                     compare_marts(settings, folder, database))
