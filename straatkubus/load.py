"""Loading deliveries into the `raw` schema: whole, once, and atomically.

Each delivery file is read and checked (straatkubus.intake), validated with its Great
Expectations suite (straatkubus.validate), then loaded in one transaction: its rows go
straight into the raw table with COPY (invisible to others until the commit), the manifest
`raw.deliveries` records it (sender, source, period, sha256, counts, outcome), and a
correction for the same source, sender and period replaces the previous one.
Loading the same file again changes nothing. Rows that break the contract go to
`raw.quarantine` with their reason and original line, so that rows in = loaded +
quarantined. BSNs are replaced by a keyed HMAC before anything is written. A refused
delivery is recorded in the manifest with its reason, and nothing of it is loaded.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg2
from psycopg2 import sql

from straatkubus.contracts import CONTRACTS, parse_delivery_name
from straatkubus.intake import DeliveryRefused, read_delivery, scope
from straatkubus.settings import Settings

MANIFEST_DDL = """
create schema if not exists raw;
create table if not exists raw.deliveries (
    delivery_id bigserial primary key,
    source text not null,
    sender text not null,
    period text not null,
    file_name text not null,
    sha256 text not null,
    rows_in integer not null,
    rows_loaded integer not null,
    rows_quarantined integer not null,
    is_current boolean not null,
    loaded_at timestamptz not null default now()
);
alter table raw.deliveries add column if not exists outcome text not null default 'loaded';
alter table raw.deliveries add column if not exists reason text;
create unique index if not exists deliveries_current
    on raw.deliveries (source, sender, period) where is_current;
create table if not exists raw.quarantine (
    delivery_id bigint not null references raw.deliveries,
    line_number integer not null,
    reason text not null,
    original_line text not null,
    primary key (delivery_id, line_number)
);
"""
DELIVERY_COLUMNS = ("delivery_id", "delivery_sender", "delivery_period", "delivery_loaded_at")


@dataclass(frozen=True)
class LoadResult:
    file_name: str
    outcome: str  # loaded | replaced | unchanged
    rows_in: int
    rows_loaded: int
    rows_quarantined: int

    def summary(self) -> str:
        return (f"{self.file_name}: {self.outcome}; rows in {self.rows_in} = "
                f"loaded {self.rows_loaded} + quarantined {self.rows_quarantined}")


def pseudonymise(value: str, key: str) -> str:
    """Keyed HMAC-SHA256 of an identifier: stable per key, not reversible without it."""
    return hmac.new(key.encode(), value.strip().encode(), hashlib.sha256).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _table_ddl(contract) -> sql.Composed:
    columns = [sql.SQL("{} {}{}").format(sql.Identifier(c.name), sql.SQL(c.pg_type),
                                         sql.SQL("" if c.nullable else " not null"))
               for c in contract.stored_columns()]
    return sql.SQL(
        "create table raw.{} (delivery_id bigint not null references raw.deliveries, "
        "delivery_sender text not null, delivery_period text not null, "
        "delivery_loaded_at timestamptz not null default now(), {})").format(
            sql.Identifier(contract.table), sql.SQL(", ").join(columns))


def ensure_raw_tables(cur) -> None:
    """Create the manifest and one raw table per contract. A raw table whose layout no longer
    matches its contract is rebuilt, and its deliveries are marked for reloading."""
    cur.execute(MANIFEST_DDL)
    for contract in CONTRACTS.values():
        cur.execute("select column_name from information_schema.columns where table_schema = "
                    "'raw' and table_name = %s order by ordinal_position", (contract.table,))
        existing = [row[0] for row in cur.fetchall()]
        wanted = [*DELIVERY_COLUMNS, *(c.name for c in contract.stored_columns())]
        if existing == wanted:
            continue
        if existing:
            cur.execute(sql.SQL("drop table raw.{} cascade").format(sql.Identifier(contract.table)))
            cur.execute("update raw.deliveries set is_current = false where source = %s",
                        (contract.source,))
        cur.execute(_table_ddl(contract))
        cur.execute(sql.SQL("create index on raw.{} (delivery_id)").format(
            sql.Identifier(contract.table)))


def _refusal_recorded(cur, name, path: Path, checksum: str, reason: str) -> None:
    """Record a refused delivery once (a rerun of the same refused file adds nothing)."""
    cur.execute("select 1 from raw.deliveries where source = %s and sender = %s and period = %s "
                "and sha256 = %s and outcome = 'refused'",
                (name.source, name.sender, name.period, checksum))
    if cur.fetchone() is None:
        cur.execute("insert into raw.deliveries (source, sender, period, file_name, sha256, "
                    "rows_in, rows_loaded, rows_quarantined, is_current, outcome, reason) "
                    "values (%s, %s, %s, %s, %s, 0, 0, 0, false, 'refused', %s)",
                    (name.source, name.sender, name.period, path.name, checksum, reason))


def load_file(settings: Settings, path: Path) -> LoadResult:
    """Load one delivery file in a single transaction (see the module docstring)."""
    from straatkubus.validate import ValidationFailed, validate_intake

    name = parse_delivery_name(path)
    contract = CONTRACTS[name.source]
    if contract.pseudonymise and not settings.pseudonym_key:
        raise DeliveryRefused("no pseudonymisation key: set STRAATKUBUS_PSEUDONYM_KEY")
    checksum = _sha256(path)

    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            ensure_raw_tables(cur)
            cur.execute("lock table raw.deliveries in share row exclusive mode")
            cur.execute("select delivery_id, sha256, rows_in, rows_loaded, rows_quarantined "
                        "from raw.deliveries where source = %s and sender = %s and period = %s "
                        "and is_current", (name.source, name.sender, name.period))
            previous = cur.fetchone()
            if previous and previous[1] == checksum:
                return LoadResult(path.name, "unchanged", *previous[2:])
            try:
                intake = read_delivery(path, scope(settings.shared_data_dir, settings.tiles))
                validate_intake(intake, path)
            except (DeliveryRefused, ValidationFailed) as refusal:
                _refusal_recorded(cur, name, path, checksum, str(refusal))
                conn.commit()
                raise

            rows = intake.rows
            for column in contract.pseudonymise:
                key = settings.pseudonym_key
                rows[column] = [pseudonymise(value, key) for value in rows[column]]
            cur.execute(
                "insert into raw.deliveries (source, sender, period, file_name, sha256, rows_in, "
                "rows_loaded, rows_quarantined, is_current, outcome) values (%s, %s, %s, %s, %s, "
                "%s, %s, %s, false, %s) returning delivery_id",
                (name.source, name.sender, name.period, path.name, checksum, intake.rows_in,
                 len(rows), len(intake.quarantined), "replaced" if previous else "loaded"))
            delivery_id = cur.fetchone()[0]
            table = sql.Identifier(contract.table)
            if previous:
                cur.execute(sql.SQL("delete from raw.{} where delivery_id = %s").format(table),
                            (previous[0],))
                cur.execute("update raw.deliveries set is_current = false where delivery_id = %s",
                            (previous[0],))
            rows.insert(0, "delivery_period", name.period)
            rows.insert(0, "delivery_sender", name.sender)
            rows.insert(0, "delivery_id", delivery_id)
            columns = [*DELIVERY_COLUMNS[:3], *(c.name for c in contract.stored_columns())]
            cur.copy_expert(sql.SQL("copy raw.{} ({}) from stdin with (format csv)").format(
                table, sql.SQL(", ").join(map(sql.Identifier, columns))).as_string(cur),
                io.StringIO(rows.to_csv(header=False, index=False)))
            cur.execute("update raw.deliveries set is_current = true where delivery_id = %s",
                        (delivery_id,))
            if intake.quarantined:
                quarantine = pd.DataFrame(intake.quarantined)
                quarantine.insert(0, "delivery_id", delivery_id)
                cur.copy_expert("copy raw.quarantine (delivery_id, line_number, reason, "
                                "original_line) from stdin with (format csv)",
                                io.StringIO(quarantine.to_csv(header=False, index=False)))
            return LoadResult(path.name, "replaced" if previous else "loaded", intake.rows_in,
                              len(rows), len(intake.quarantined))
    finally:
        conn.close()


def delivery_files(path: Path) -> list[Path]:
    """A single delivery file, or every `*.csv` delivery in a folder (sorted)."""
    if path.is_dir():
        return sorted(path.glob("*.csv"))
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return [path]


def load_reference(settings: Settings) -> int:
    """(Re)load the CBS reference tables from ../shared/data into raw, atomically."""
    from straatkubus.reference import load_reference_tables

    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            return load_reference_tables(cur, settings.shared_data_dir, settings.tiles)
    finally:
        conn.close()
