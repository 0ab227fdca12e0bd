"""Loading deliveries into the `raw` schema: whole, once, and atomically.

Each delivery file is read and checked (straatkubus.ingest.intake), validated with its Great
Expectations suite (straatkubus.ingest.validate), then loaded in one transaction: its rows go
straight into the raw table with COPY (invisible to others until the commit), the manifest
`raw.deliveries` records it (sender, source, period, sha256, counts, outcome), and a
correction for the same source, sender and period replaces the previous one.
Loading the same file again changes nothing. Rows that break the contract go to
`raw.quarantine` with their reason and original line (BSNs in it pseudonymised), so that rows
in = loaded + quarantined; a correction removes the quarantined rows of the delivery it
replaces, and `prune` those older than the retention period. BSNs are replaced by a keyed
HMAC before anything is written (straatkubus.ingest.bsn), and a load under another key than the
current deliveries' (its fingerprint is in the manifest) is refused. A refused delivery is
recorded in the manifest with its reason, and nothing of it is loaded. A delivery whose row
count is far from that of the delivery it replaces, or of the previous period, is held:
recorded with both counts, and loaded only when the user accepts the change.

Reading, checking and validating take most of a load's time and need no database, so a
folder is loaded with that work done ahead in worker processes (`load_files`), while the
deliveries are stored one at a time, in order.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pandas as pd
import psycopg2
from psycopg2 import sql

from straatkubus.ingest import bsn
from straatkubus.ingest.contracts import CONTRACTS, parse_delivery_name
from straatkubus.ingest.intake import DeliveryRefused, Intake, Limits, read_delivery, scope
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
alter table raw.deliveries add column if not exists key_fingerprint text;
alter table raw.deliveries alter column sha256 drop not null;
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
PR_SET_PDEATHSIG = 1
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


class DeliveryHeld(DeliveryRefused):
    """Not loaded until the user accepts its change in row count (--accept-volume-change)."""


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


def _refusal_recorded(cur, name, path: Path, checksum: str | None, reason: str,
                      outcome: str = "refused", rows_in: int = 0) -> None:
    """Record a refused (or held) delivery once: a rerun of the same file adds nothing."""
    cur.execute("select 1 from raw.deliveries where source = %s and sender = %s and period = %s "
                "and sha256 is not distinct from %s and outcome = %s",
                (name.source, name.sender, name.period, checksum, outcome))
    if cur.fetchone() is None:
        cur.execute("insert into raw.deliveries (source, sender, period, file_name, sha256, "
                    "rows_in, rows_loaded, rows_quarantined, is_current, outcome, reason) "
                    "values (%s, %s, %s, %s, %s, %s, 0, 0, false, %s, %s)",
                    (name.source, name.sender, name.period, path.name, checksum, rows_in,
                     outcome, reason))


def _volume_change(cur, settings: Settings, name, rows: int, previous) -> str | None:
    """Why a delivery of `rows` rows is held, if it is: its count is more than the volume
    factor away from the current delivery's it replaces, or else the previous period's."""
    if previous:
        reference, what = previous[3], "the current delivery"
    else:
        cur.execute("select period, rows_loaded from raw.deliveries where source = %s and "
                    "sender = %s and is_current and period < %s and length(period) = %s "
                    "order by period desc limit 1",
                    (name.source, name.sender, name.period, len(name.period)))
        earlier = cur.fetchone()
        if earlier is None:
            return None
        reference, what = earlier[1], f"the previous period ({earlier[0]})"
    factor = settings.volume_factor
    if max(rows, reference) < settings.volume_min_rows or \
            reference / factor <= rows <= reference * factor:
        return None
    return (f"held, {rows} rows where {what} has {reference} (more than a factor {factor:g} "
            "apart); nothing loaded: load it again with --accept-volume-change if it is right")


@dataclass
class Prepared:
    """A delivery read, validated and pseudonymised, ready to be stored (or its refusal)."""

    path: Path
    checksum: str | None  # None: the file could not be read
    intake: Intake | None  # None: current when prepared, or refused
    refusal: Exception | None = None


def _current_checksums(settings: Settings) -> dict[tuple[str, str, str], str]:
    """(source, sender, period) -> sha256 of the current delivery."""
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            cur.execute(MANIFEST_DDL)
            cur.execute("select source, sender, period, sha256 from raw.deliveries "
                        "where is_current")
            return {tuple(row[:3]): row[3] for row in cur.fetchall()}
    finally:
        conn.close()


def limits(settings: Settings) -> Limits:
    return Limits(settings.max_delivery_bytes, settings.max_line_bytes, settings.max_field_chars)


def prepare(settings: Settings, path: Path,
            current: dict[tuple[str, str, str], str]) -> Prepared:
    """Read, check, pseudonymise and validate a delivery: the work that needs no database.
    A delivery whose checksum is `current` already is not read again."""
    from straatkubus.ingest.validate import ValidationFailed, validate_intake

    name = parse_delivery_name(path)
    try:
        checksum = _sha256(path)
    except OSError as error:
        return Prepared(path, None, None, DeliveryRefused(
            f"{path.name}: refused, the file could not be read "
            f"({error.strerror or type(error).__name__})"))
    if current.get((name.source, name.sender, name.period)) == checksum:
        return Prepared(path, checksum, None)
    try:
        intake = read_delivery(path, scope(settings.reference_data_dir, settings.tiles),
                               key=settings.pseudonym_key, limits=limits(settings))
        validate_intake(intake, path)
    except (DeliveryRefused, ValidationFailed) as refusal:
        return Prepared(path, checksum, None, refusal)
    return Prepared(path, checksum, intake)


def store(settings: Settings, prepared: Prepared,
          accept_volume_change: bool = False) -> LoadResult:
    """Store a prepared delivery in a single transaction (see the module docstring); a
    refusal or hold is recorded in the manifest, then raised."""
    name = parse_delivery_name(prepared.path)
    conn = psycopg2.connect(settings.dsn())
    try:
        try:
            with conn, conn.cursor() as cur:
                return _store(cur, settings, prepared, accept_volume_change)
        except psycopg2.DataError as error:  # a value the database cannot take: this file only
            refusal = DeliveryRefused(bsn.mask(
                f"{prepared.path.name}: refused, the database rejected a value "
                f"({error.diag.message_primary})", settings.pseudonym_key))
            with conn, conn.cursor() as cur:
                _refusal_recorded(cur, name, prepared.path, prepared.checksum, str(refusal))
            raise refusal from None
    finally:
        conn.close()


def _store(cur, settings: Settings, prepared: Prepared, accept_volume_change: bool) -> LoadResult:
    path, checksum = prepared.path, prepared.checksum
    name = parse_delivery_name(path)
    contract = CONTRACTS[name.source]
    ensure_raw_tables(cur)
    cur.execute("lock table raw.deliveries in share row exclusive mode")
    cur.execute("select delivery_id, sha256, rows_in, rows_loaded, rows_quarantined "
                "from raw.deliveries where source = %s and sender = %s and period = %s "
                "and is_current", (name.source, name.sender, name.period))
    previous = cur.fetchone()
    if previous and checksum is not None and previous[1] == checksum:
        return LoadResult(path.name, "unchanged", *previous[2:])
    fingerprint = bsn.key_fingerprint(settings.pseudonym_key)
    cur.execute("select key_fingerprint from raw.deliveries where is_current and "
                "key_fingerprint <> %s limit 1", (fingerprint,))
    other_key = cur.fetchone()
    if other_key:
        prepared = Prepared(path, checksum, None, DeliveryRefused(
            f"{path.name}: refused, the pseudonym key differs from the one the current "
            f"deliveries were loaded with (fingerprint {other_key[0]}, this key {fingerprint}): "
            "its pseudonyms would not match theirs"))
    elif prepared.refusal is None and prepared.intake is None:
        # current when prepared, replaced since: prepare it again
        prepared = prepare(settings, path, {})
    if prepared.refusal is not None:
        _refusal_recorded(cur, name, path, checksum, str(prepared.refusal))
        cur.connection.commit()
        raise prepared.refusal
    intake = prepared.intake
    rows = intake.rows
    held = None if accept_volume_change else _volume_change(cur, settings, name, len(rows),
                                                             previous)
    if held:
        _refusal_recorded(cur, name, path, checksum, held, "held", intake.rows_in)
        cur.connection.commit()
        raise DeliveryHeld(f"{path.name}: {held}")
    cur.execute(
        "insert into raw.deliveries (source, sender, period, file_name, sha256, rows_in, "
        "rows_loaded, rows_quarantined, is_current, outcome, key_fingerprint) values (%s, %s, "
        "%s, %s, %s, %s, %s, %s, false, %s, %s) returning delivery_id",
        (name.source, name.sender, name.period, path.name, checksum, intake.rows_in,
         len(rows), len(intake.quarantined), "replaced" if previous else "loaded", fingerprint))
    delivery_id = cur.fetchone()[0]
    table = sql.Identifier(contract.table)
    if previous:
        cur.execute(sql.SQL("delete from raw.{} where delivery_id = %s").format(table),
                    (previous[0],))
        cur.execute("delete from raw.quarantine where delivery_id = %s", (previous[0],))
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


def load_file(settings: Settings, path: Path, accept_volume_change: bool = False) -> LoadResult:
    """Load one delivery file in a single transaction (see the module docstring)."""
    bsn.check_key(settings.pseudonym_key)
    return store(settings, prepare(settings, path, _current_checksums(settings)),
                 accept_volume_change)


def _die_with_parent() -> None:
    """Preparing workers end when the loader does, even on kill -9 (Linux prctl)."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def load_files(settings: Settings, paths: list[Path], workers: int | None = None,
               accept_volume_change: bool = False) -> Iterator[LoadResult | Exception]:
    """Load deliveries in order, each as `load_file` does, with their reading and validation
    (most of the time, all CPU) done ahead in worker processes; yields each delivery's result,
    or the refusal (or hold) that was recorded for it."""
    from straatkubus.ingest.validate import ValidationFailed, ensure_suites

    bsn.check_key(settings.pseudonym_key)
    workers = max(min(workers or os.cpu_count() or 1, len(paths)), 1)
    ensure_suites()  # stored once here, not raced for by the workers
    current = _current_checksums(settings)
    pending: deque[Future[Prepared]] = deque()
    remaining = iter(paths)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                             initializer=_die_with_parent) as pool:
        try:
            # a bounded window ahead, so that prepared deliveries do not pile up in memory
            for path in islice(remaining, 2 * workers):
                pending.append(pool.submit(prepare, settings, path, current))
            while pending:
                next_prepared = pending.popleft()
                for path in islice(remaining, 1):
                    pending.append(pool.submit(prepare, settings, path, current))
                try:
                    yield store(settings, next_prepared.result(), accept_volume_change)
                except (DeliveryRefused, ValidationFailed, ValueError) as refusal:
                    yield refusal  # a bad file name or a missing key is raised, not recorded
        finally:
            pool.shutdown(cancel_futures=True)


def delivery_files(path: Path) -> list[Path]:
    """A single delivery file, or every `*.csv` delivery in a folder (sorted)."""
    if path.is_dir():
        return sorted(path.glob("*.csv"))
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return [path]


def prune_quarantine(settings: Settings, days: int) -> int:
    """Delete the quarantined rows of deliveries loaded more than `days` days ago (the
    manifest keeps their counts); returns how many."""
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            cur.execute(MANIFEST_DDL)
            cur.execute("delete from raw.quarantine where delivery_id in (select delivery_id "
                        "from raw.deliveries where loaded_at < now() - make_interval(days => %s))",
                        (days,))
            return cur.rowcount
    finally:
        conn.close()


def load_reference(settings: Settings) -> int:
    """(Re)load the CBS reference tables from data/reference into raw, atomically."""
    from straatkubus.ingest.reference import load_reference_tables

    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            return load_reference_tables(cur, settings.reference_data_dir, settings.tiles)
    finally:
        conn.close()
