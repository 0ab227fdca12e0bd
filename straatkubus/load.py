"""Loading deliveries into the `raw` schema: whole, once, and atomically.

Each delivery file is loaded in one transaction: its rows go in with COPY, a manifest row
records it (sender, source, period, sha256, counts, outcome), and a correction delivery for
the same source, sender and period replaces the previous one. Loading the same file again
changes nothing. Rows that break the contract are quarantined with their reason and
original line, so that rows in = loaded + quarantined. BSN-like identifiers are replaced
by a keyed HMAC before anything is written.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg2
from psycopg2 import sql

from straatkubus.contracts import CONTRACTS, Contract, parse_delivery_name
from straatkubus.settings import MUNICIPALITIES, Settings

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

_PATTERNS = {
    "integer": re.compile(r"^-?[0-9]+$"),
    "double precision": re.compile(r"^-?[0-9]+(\.[0-9]+)?$"),
    "date": re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
}
_PC6 = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")


class DeliveryRefused(ValueError):
    """The whole delivery is refused (wrong name, header or sender); nothing was loaded."""


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


def _check_header(contract: Contract, header: list[str], file_name: str) -> None:
    header = [h.strip() for h in header]
    missing = [c for c in contract.column_names if c not in header]
    extra = [c for c in header if c not in contract.column_names]
    if missing or extra:
        problems = [f"missing column {c!r}" for c in missing] + [f"unexpected column {c!r}" for c in extra]
        raise DeliveryRefused(f"{file_name}: refused, {'; '.join(problems)}")
    if header != contract.column_names:
        raise DeliveryRefused(f"{file_name}: refused, columns must be in the order "
                              f"{', '.join(contract.column_names)}")


def _row_problem(contract: Contract, row: dict[str, str], sender: str) -> str | None:
    """Why a row cannot be loaded, or None when it can."""
    for column in contract.columns:
        value = row[column.name]
        if value == "":
            return f"{column.name} is empty"
        pattern = _PATTERNS.get(column.pg_type)
        if pattern and not pattern.match(value):
            return f"{column.name} {value!r} is not a valid {column.pg_type}"
        if column.pg_type == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                return f"{column.name} {value!r} is not a valid date"
    if "postcode" in row and not _PC6.match(row["postcode"]):
        return f"postcode {row['postcode']!r} is not a Dutch 6-character postcode"
    if contract.municipality_column and row[contract.municipality_column] != sender:
        return (f"{contract.municipality_column} {row[contract.municipality_column]!r} "
                f"does not belong to sender {sender}")
    return None


def ensure_raw_tables(cur) -> None:
    cur.execute(MANIFEST_DDL)
    for contract in CONTRACTS.values():
        columns = [sql.SQL("{} {} not null").format(sql.Identifier(c.name), sql.SQL(c.pg_type))
                   for c in contract.stored_columns()]
        cur.execute(sql.SQL(
            "create table if not exists raw.{} ("
            "delivery_id bigint not null references raw.deliveries, "
            "delivery_sender text not null, delivery_period text not null, "
            "delivery_loaded_at timestamptz not null default now(), {})").format(
                sql.Identifier(contract.table), sql.SQL(", ").join(columns)))
        cur.execute(sql.SQL("create index if not exists {} on raw.{} (delivery_id)").format(
            sql.Identifier(f"{contract.table}_delivery"), sql.Identifier(contract.table)))


def load_file(settings: Settings, path: Path) -> LoadResult:
    """Load one delivery file in a single transaction (see the module docstring)."""
    name = parse_delivery_name(path)
    contract = CONTRACTS[name.source]
    if contract.sender == "municipality" and name.sender not in MUNICIPALITIES:
        raise DeliveryRefused(f"{path.name}: refused, sender {name.sender!r} is not a "
                              f"Parkstad municipality code ({', '.join(sorted(MUNICIPALITIES))})")
    if contract.pseudonymise and not settings.pseudonym_key:
        raise DeliveryRefused("no pseudonymisation key: set STRAATKUBUS_PSEUDONYM_KEY")
    checksum = _sha256(path)

    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            ensure_raw_tables(cur)
            cur.execute("lock table raw.deliveries in share row exclusive mode")
            cur.execute("select delivery_id, sha256 from raw.deliveries where source = %s and "
                        "sender = %s and period = %s and is_current",
                        (name.source, name.sender, name.period))
            previous = cur.fetchone()
            if previous and previous[1] == checksum:
                cur.execute("select rows_in, rows_loaded, rows_quarantined from raw.deliveries "
                            "where delivery_id = %s", (previous[0],))
                return LoadResult(path.name, "unchanged", *cur.fetchone())

            good = io.StringIO()
            writer = csv.writer(good)
            quarantined: list[tuple[int, str, str]] = []
            rows_in = 0
            with open(path, newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle)
                header = next(reader, None)
                if header is None:
                    raise DeliveryRefused(f"{path.name}: refused, the file is empty")
                _check_header(contract, header, path.name)
                for line_number, values in enumerate(reader, start=2):
                    rows_in += 1
                    original = ",".join(values)
                    if len(values) != len(header):
                        quarantined.append((line_number, f"{len(values)} fields, expected "
                                            f"{len(header)}", original))
                        continue
                    row = dict(zip(contract.column_names, (v.strip() for v in values), strict=True))
                    problem = _row_problem(contract, row, name.sender)
                    if problem:
                        quarantined.append((line_number, problem, original))
                        continue
                    for column in contract.pseudonymise:
                        row[column] = pseudonymise(row[column], settings.pseudonym_key)
                    writer.writerow(row.values())

            cur.execute(
                "insert into raw.deliveries (source, sender, period, file_name, sha256, rows_in, "
                "rows_loaded, rows_quarantined, is_current) values (%s, %s, %s, %s, %s, %s, %s, "
                "%s, false) returning delivery_id",
                (name.source, name.sender, name.period, path.name, checksum, rows_in,
                 rows_in - len(quarantined), len(quarantined)))
            delivery_id = cur.fetchone()[0]
            table = sql.Identifier(contract.table)
            stored = [sql.Identifier(c.name) for c in contract.stored_columns()]
            cur.execute(sql.SQL("create temp table incoming (like raw.{} including defaults) "
                                "on commit drop").format(table))
            for column, value in (("delivery_id", delivery_id), ("delivery_sender", name.sender),
                                  ("delivery_period", name.period)):
                cur.execute(sql.SQL("alter table incoming alter column {} set default %s").format(
                    sql.Identifier(column)), (value,))
            good.seek(0)
            cur.copy_expert(sql.SQL("copy incoming ({}) from stdin with (format csv)").format(
                sql.SQL(", ").join(stored)).as_string(cur), good)
            if previous:
                cur.execute(sql.SQL("delete from raw.{} where delivery_id = %s").format(table),
                            (previous[0],))
                cur.execute("update raw.deliveries set is_current = false where delivery_id = %s",
                            (previous[0],))
            cur.execute(sql.SQL("insert into raw.{} select * from incoming").format(table))
            cur.execute("update raw.deliveries set is_current = true where delivery_id = %s",
                        (delivery_id,))
            if quarantined:
                cur.executemany(
                    "insert into raw.quarantine values (%s, %s, %s, %s)",
                    [(delivery_id, n, reason, line) for n, reason, line in quarantined])
            return LoadResult(path.name, "replaced" if previous else "loaded", rows_in,
                              rows_in - len(quarantined), len(quarantined))
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
    """(Re)load the real CBS PC4 boundaries from ../shared/data into raw, atomically."""
    from straatkubus.reference import load_reference_tables

    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            return load_reference_tables(cur, settings.shared_data_dir)
    finally:
        conn.close()
