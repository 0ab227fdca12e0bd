"""Reading a delivery as municipalities really send it, and checking every row.

One place for what a delivery may look like: the encoding (UTF-8 with or without BOM, else
Windows-1252), the separator (comma, semicolon or tab), header names in any order and case,
decimal commas, Dutch dates (dd-mm-yyyy), postcodes such as " 6411 ab". Every row either
comes out normalised in `Intake.rows` or in `Intake.quarantined` with its reason and original
line, so that rows in = rows + quarantined. Problems with the delivery as a whole (name,
sender, columns, and anything that makes the file unreadable: its size, NUL bytes, over-long
lines or fields, bytes invalid in its encoding, the file vanishing) raise `DeliveryRefused`
with a one-line reason. The checks are vectorised (pandas) for speed.

BSNs never leave this module: BSN columns of the loadable rows are replaced by their keyed
pseudonym, and quarantined lines and reasons hold pseudonyms instead of BSNs (a reason names
the rule, never the value of a BSN field); see straatkubus.ingest.bsn.
"""

# The message functions passed to _Problems.flag run at once, inside the loop: B023 is moot.
# ruff: noqa: B023
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from straatkubus.ingest import bsn
from straatkubus.ingest import contracts as c
from straatkubus.ingest.contracts import CONTRACTS, PARTNERS, Contract, DeliveryName, parse_delivery_name

# PostNL never uses these letter pairs in a postcode.
EXCLUDED_POSTCODE_LETTERS = ("SA", "SD", "SS")
PC6_PATTERN = r"^[1-9][0-9]{3}[A-Z]{2}$"
# Coordinates must lie in the Netherlands (bounding box) in the delivery's system.
COORDINATE_BOUNDS = {
    "EPSG:4326": ((3.2, 7.3), (50.7, 53.6)),
    "EPSG:28992": ((0.0, 300_000.0), (300_000.0, 625_000.0)),
}
_INTEGER = r"^[+-]?[0-9]+$"
_DECIMAL = r"^[+-]?[0-9]+(\.[0-9]+)?$"


class DeliveryRefused(ValueError):
    """The whole delivery is refused (name, sender, encoding or columns); nothing is loaded."""


@dataclass(frozen=True)
class Limits:
    """What a delivery file may be at most (settings: STRAATKUBUS_MAX_*)."""

    file_bytes: int = 4096 << 20
    line_bytes: int = 1 << 20
    field_chars: int = 1 << 16


@dataclass(frozen=True)
class Scope:
    """What deliveries may refer to: municipality codes (with synthetic tiles) and PC4 areas."""

    municipalities: dict[str, str]  # code -> the real Parkstad municipality it is (or copies)
    pc4: frozenset[str]

    def partner_municipalities(self, partner: str) -> set[str]:
        declared = PARTNERS[partner].municipalities
        return {code for code, real in self.municipalities.items() if real in declared}


@cache
def scope(data_dir: Path, tiles: int) -> Scope:
    from straatkubus.ingest import reference

    return Scope(reference.scope_municipalities(tiles),
                 frozenset(a.pc4 for a in reference.scope_pc4_areas(data_dir, tiles)))


@dataclass
class Intake:
    name: DeliveryName
    contract: Contract
    rows_in: int
    rows: pd.DataFrame  # loadable rows: contract columns, normalised text (None = empty)
    quarantined: list[tuple[int, str, str]]  # (line number, reason, original line)

    @property
    def summary(self) -> str:
        return (f"rows in {self.rows_in} = loadable {len(self.rows)} + quarantined "
                f"{len(self.quarantined)}")


def check_sender(name: DeliveryName, contract: Contract, allowed: Scope) -> set[str]:
    """The municipality codes this sender may deliver records for; refuse unknown senders."""
    if contract.sender == "municipality":
        if name.sender not in allowed.municipalities:
            raise DeliveryRefused(
                f"{name.source}__{name.sender}: refused, sender {name.sender!r} is not a "
                f"municipality in scope ({', '.join(sorted(allowed.municipalities)[:7])}, ...)")
        return {name.sender}
    partner = PARTNERS.get(name.sender)
    if partner is None or name.source not in partner.sources:
        senders = sorted(p.code for p in PARTNERS.values() if name.source in p.sources)
        raise DeliveryRefused(f"{name.source}__{name.sender}: refused, {name.sender!r} is not "
                              f"a partner declared for {name.source} ({', '.join(senders)})")
    return allowed.partner_municipalities(name.sender)


def _scan(path: Path, limits: Limits) -> str:
    """The file's encoding, after one pass over its bytes refusing what cannot be read:
    a file over the size limit, NUL bytes, a line over the length limit, bytes that are
    invalid in a file marked UTF-8 (BOM) or in both UTF-8 and Windows-1252."""
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise DeliveryRefused(f"{path.name}: refused, the file is {size} bytes, over the limit "
                              f"of {limits.file_bytes} (STRAATKUBUS_MAX_DELIVERY_MB)")
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DeliveryRefused(f"{path.name}: refused, UTF-16 is not supported; send UTF-8 "
                                  "or Windows-1252")
        bom = head.startswith(codecs.BOM_UTF8)
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        is_utf8, line, run = True, 1, 0  # run: bytes since the last newline
        not_cp1252 = None  # the first bytes undefined in Windows-1252, with their line
        # A block is at most the line limit, so only lines crossing blocks can be too long.
        for block in iter(lambda: handle.read(min(1 << 20, limits.line_bytes)), b""):
            if b"\x00" in block:
                nul = line + block.count(b"\n", 0, block.index(b"\x00"))
                raise DeliveryRefused(f"{path.name}: refused, line {nul} holds a NUL byte")
            first, last = block.find(b"\n"), block.rfind(b"\n")
            run += len(block) if first < 0 else first
            if run > limits.line_bytes:
                raise DeliveryRefused(f"{path.name}: refused, line {line} is longer than "
                                      f"{limits.line_bytes} bytes (STRAATKUBUS_MAX_LINE_BYTES)")
            if first >= 0:
                run = len(block) - last - 1
            if is_utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as error:
                    if bom:
                        raise _invalid(path, "UTF-8", line + block.count(b"\n", 0, error.start),
                                       block[error.start:error.end]) from None
                    is_utf8 = False
            if not_cp1252 is None and not bom:
                try:
                    block.decode("cp1252")
                except UnicodeDecodeError as error:
                    not_cp1252 = (line + block.count(b"\n", 0, error.start),
                                  block[error.start:error.end])
            line += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:  # a character cut off at the end
        if bom:
            raise _invalid(path, "UTF-8", line, b"") from None
        is_utf8 = False
    if bom:
        return "utf-8-sig"
    if is_utf8:
        return "utf-8"
    if not_cp1252:
        raise _invalid(path, "UTF-8 nor Windows-1252", *not_cp1252)
    return "cp1252"


def _invalid(path: Path, encoding: str, line: int, data: bytes) -> DeliveryRefused:
    return DeliveryRefused(f"{path.name}: refused, line {line} holds bytes that are not valid "
                           f"{encoding} ({data.hex(' ')})")


def _separator(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=counts.get)


def _columns_in_order(contract: Contract, header: list[str], file_name: str) -> list[int]:
    """Position of every contract column in the file; refuse missing or unexpected columns."""
    names = [h.strip().lower() for h in header]
    missing = [n for n in contract.column_names if n not in names]
    extra = [n for n in names if n not in contract.column_names]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if missing or extra or doubled:
        problems = ([f"missing column {n!r}" for n in missing]
                    + [f"unexpected column {n!r}" for n in extra]
                    + [f"column {n!r} appears twice" for n in doubled])
        raise DeliveryRefused(f"{file_name}: refused, {'; '.join(problems)} "
                              f"(expected: {', '.join(contract.column_names)})")
    return [names.index(n) for n in contract.column_names]


class _Problems:
    """The first problem found per row (later checks never overwrite an earlier reason)."""

    def __init__(self, index: pd.Index) -> None:
        self.reason = pd.Series(None, index=index, dtype=object)

    def flag(self, mask: pd.Series, message) -> None:
        """Give rows in `mask` without a reason yet this one; `message` is a text or a function
        of the selected rows' values (called only when there are any, to keep checks fast)."""
        new = mask.fillna(False).astype(bool) & self.reason.isna()
        if new.any():
            self.reason[new] = message(new) if callable(message) else message

    @property
    def ok(self) -> pd.Series:
        return self.reason.isna()


def _quoted(values: pd.Series) -> pd.Series:
    return "'" + values.fillna("").astype(str) + "'"


def _normalise_number(values: pd.Series) -> pd.Series:
    """Decimal commas ("1234,5", "1.234,56") to a decimal point."""
    comma = values.str.fullmatch(r"[+-]?[0-9.]*,[0-9]+").fillna(False).astype(bool)
    fixed = values.copy()
    fixed[comma] = values[comma].str.replace(".", "", regex=False).str.replace(",", ".",
                                                                               regex=False)
    return fixed


def _normalise_date(values: pd.Series) -> pd.Series:
    """Dutch dd-mm-yyyy (or dd/mm/yyyy) to ISO yyyy-mm-dd."""
    dutch = values.str.fullmatch(r"[0-9]{2}[-/][0-9]{2}[-/][0-9]{4}").fillna(False).astype(bool)
    fixed = values.copy()
    fixed[dutch] = (values[dutch].str[6:10] + "-" + values[dutch].str[3:5] + "-"
                    + values[dutch].str[0:2])
    return fixed


def check_rows(frame: pd.DataFrame, name: DeliveryName, contract: Contract,
               allowed_municipalities: set[str], allowed: Scope,
               today: date | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """Normalise the text values of a delivery and find each row's first problem.

    Returns the normalised frame and a Series of reasons (None where the row is fine).
    """
    today = today or date.today()
    names = contract.column_names
    frame[names] = frame[names].apply(lambda s: s.str.strip()).replace("", None)
    problems = _Problems(frame.index)
    dates: dict[str, pd.Series] = {}

    for column in contract.columns:
        values = frame[column.name]
        present = values.notna()
        label = column.name
        if not column.nullable:
            problems.flag(~present, f"{label} is empty")
        if column.role == c.BSN:  # the reason never quotes the value
            values = values.str.replace(r"[ .]", "", regex=True)
            values = values.where(values.str.len() != 8, "0" + values)
            problems.flag(present & ~bsn.passes_elfproef(values),
                          label + " is not a valid BSN (elfproef)")
        elif column.pg_type == "text" or column.is_number:
            # free text may hide a BSN anywhere; other fields fail their own form if they do
            free = column.pg_type == "text" and not (column.pattern or column.values or column.role)
            problems.flag(bsn.holds_bsn(values) if free else bsn.passes_elfproef(values),
                          label + " holds a 9-digit number that passes the elfproef: "
                          "possibly a BSN, which does not belong in this field")
        if column.role == c.POSTCODE:
            values = values.str.replace(" ", "", regex=False).str.upper()
            valid = values.str.fullmatch(PC6_PATTERN).fillna(False).astype(bool) & \
                ~values.str[4:].isin(EXCLUDED_POSTCODE_LETTERS)
            original = frame[column.name]
            problems.flag(present & ~valid, lambda rows: "postcode " + _quoted(original[rows])
                          + " is not a valid Dutch postcode (1234AB)")
            problems.flag(present & valid & ~values.str[:4].isin(allowed.pc4),
                          lambda rows: "postcode " + _quoted(values[rows])
                          + " lies outside the municipalities in scope")
        if column.role == c.MUNICIPALITY:
            values = values.str.upper()
            problems.flag(present & ~values.isin(allowed_municipalities),
                          lambda rows: label + " " + _quoted(values[rows]) + " is not a "
                          f"municipality sender {name.sender} may deliver for")
        if column.is_number:
            values = _normalise_number(values)
            pattern = _INTEGER if column.pg_type == "integer" else _DECIMAL
            numeric = values.str.fullmatch(pattern).fillna(False).astype(bool)
            problems.flag(present & ~numeric, lambda rows: label + " " + _quoted(values[rows])
                          + f" is not a valid {column.pg_type}")
            number = pd.to_numeric(values.where(numeric), errors="coerce")
            if column.minimum == 0:
                problems.flag(number < 0, lambda rows: label + " " + values[rows] + " is negative")
            elif column.minimum is not None:
                problems.flag(number < column.minimum, lambda rows: label + " " + values[rows]
                              + f" is below the minimum {column.minimum:g}")
            if column.maximum is not None:
                problems.flag(number > column.maximum, lambda rows: label + " " + values[rows]
                              + f" is above the maximum {column.maximum:g}")
        if column.pg_type == "date":
            values = _normalise_date(values)
            parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
            problems.flag(present & parsed.isna(), lambda rows: label + " "
                          + _quoted(values[rows]) + " is not a date (yyyy-mm-dd)")
            problems.flag(parsed > pd.Timestamp(today),
                          lambda rows: label + " " + values[rows] + " lies in the future")
            dates[column.role or column.name] = parsed
            _check_period(problems, column, values, parsed, name)
        if column.values:
            canonical = {v.lower(): v for v in column.values}
            lowered = values.str.lower()
            problems.flag(present & ~lowered.isin(canonical), lambda rows: label + " "
                          + _quoted(values[rows]) + " is not one of: " + ", ".join(column.values))
            values = lowered.map(canonical).where(lowered.isin(canonical), values)
        if column.pattern:
            problems.flag(present & ~values.str.fullmatch(column.pattern).fillna(False)
                          .astype(bool), lambda rows: label + " " + _quoted(values[rows])
                          + " has the wrong form")
        frame[column.name] = values

    if c.START_DATE in dates and c.END_DATE in dates:
        problems.flag(dates[c.END_DATE] < dates[c.START_DATE], "end_date lies before start_date")
    if "crs" in frame:
        x = pd.to_numeric(frame["x"], errors="coerce")
        y = pd.to_numeric(frame["y"], errors="coerce")
        for crs, ((x_min, x_max), (y_min, y_max)) in COORDINATE_BOUNDS.items():
            outside = (frame["crs"] == crs) & ~(x.between(x_min, x_max) & y.between(y_min, y_max))
            problems.flag(outside, f"x/y lie outside the Netherlands in {crs}")
    _check_duplicates(problems, frame, contract)
    return frame, problems.reason


def _check_period(problems: _Problems, column: c.Column, values: pd.Series, parsed: pd.Series,
                  name: DeliveryName) -> None:
    start, end = pd.Timestamp(name.start), pd.Timestamp(name.end)
    outside = None
    if column.role == c.EVENT_DATE:
        outside = (parsed < start) | (parsed > end)
    elif column.role == c.START_DATE:
        outside = parsed > end
    elif column.role == c.END_DATE:
        outside = parsed < start
    elif column.role == c.PAST_DATE:
        problems.flag(parsed > start, lambda rows: column.name + " " + values[rows]
                      + f" lies after the period's reference date {name.start.isoformat()}")
    if outside is not None:
        problems.flag(outside, lambda rows: column.name + " " + values[rows]
                      + f" lies outside the period {name.period}")


def _check_duplicates(problems: _Problems, frame: pd.DataFrame, contract: Contract) -> None:
    key = list(contract.key)
    candidates = frame[problems.ok][key + ["__line"]]
    doubled = candidates.duplicated(subset=key, keep="first")
    if doubled.any():
        first = candidates.groupby(key, dropna=False)["__line"].transform("first")
        reason = pd.Series(None, index=frame.index, dtype=object)
        reason[doubled[doubled].index] = ("duplicate of line " + first[doubled].astype(str)
                                          + " (same " + ", ".join(key) + ")")
        problems.flag(reason.notna(), reason)


def read_delivery(path: Path, allowed: Scope, *, key: str, limits: Limits = Limits(),
                  today: date | None = None) -> Intake:
    """Read and check one delivery file, pseudonymising with `key` (see the module docstring)."""
    name = parse_delivery_name(path)
    contract = CONTRACTS[name.source]
    if not key:
        raise ValueError("no pseudonymisation key: set STRAATKUBUS_PSEUDONYM_KEY")
    allowed_municipalities = check_sender(name, contract, allowed)
    try:
        positions, header, separator, lines, records, malformed = _read(path, contract, limits)
    except OSError as error:
        raise DeliveryRefused(f"{path.name}: refused, the file could not be read "
                              f"({error.strerror or type(error).__name__})") from None
    except DeliveryRefused as refusal:  # e.g. a first line of data taken for the header
        raise DeliveryRefused(bsn.mask(str(refusal), key)) from None
    raw = pd.DataFrame(records, columns=header, dtype="str").iloc[:, positions]
    raw.columns = contract.column_names
    raw["__line"] = lines
    frame, reasons = check_rows(raw, name, contract, allowed_municipalities, allowed, today)
    bad = reasons.notna()
    # BSN fields by their position in the file, for the quarantined lines
    bsn_fields = {positions[contract.column_names.index(n)]: n for n in contract.pseudonymise}

    def original(values: list[str], normalised: dict[str, str | None]) -> str:
        """The line as delivered, with BSN fields pseudonymised and BSNs in others masked
        (masked field by field, so that no pseudonym is masked again)."""
        values = [value if field in bsn_fields or not value else bsn.mask(value, key)
                  for field, value in enumerate(values)]
        for field, column in bsn_fields.items():
            if field < len(values) and values[field].strip():
                values[field] = bsn.pseudonymise(normalised.get(column) or values[field], key)
        return _original(values, separator)

    normalised = frame.loc[bad, list(contract.pseudonymise)].to_dict("records")
    quarantined = [(line, bsn.mask(reason, key), original(values, {}))
                   for line, reason, values in malformed] + [
        (int(line), bsn.mask(reason, key), original(records[i], bsns))
        for line, reason, i, bsns in zip(raw["__line"][bad], reasons[bad],
                                         np.flatnonzero(bad.to_numpy()), normalised, strict=True)
    ]
    quarantined.sort()
    rows = frame[~bad].drop(columns="__line").reset_index(drop=True)
    for column in contract.pseudonymise:
        rows[column] = [None if value is None else bsn.pseudonymise(value, key)
                        for value in rows[column]]
    return Intake(name, contract, len(records) + len(malformed), rows, quarantined)


def _read(path: Path, contract: Contract, limits: Limits):
    """The contract columns' positions, the header, the separator, and each record with its
    line (malformed ones apart)."""
    encoding = _scan(path, limits)
    csv.field_size_limit(limits.field_chars)
    with path.open(newline="", encoding=encoding) as handle:
        first = handle.readline()
        if not first.strip():
            raise DeliveryRefused(f"{path.name}: refused, the file is empty (no header)")
        separator = _separator(first)
        header = next(csv.reader([first], delimiter=separator))
        positions = _columns_in_order(contract, header, path.name)
        reader = csv.reader(handle, delimiter=separator)
        last_line = 1
        lines: list[int] = []
        records: list[list[str]] = []
        malformed: list[tuple[int, str, list[str]]] = []
        try:
            for values in reader:
                line = last_line = reader.line_num + 1
                if not values or (len(values) == 1 and not values[0].strip()):
                    continue  # blank line: not a row
                if len(values) != len(header):
                    malformed.append((line, f"{len(values)} fields where the header has "
                                      f"{len(header)}", values))
                    continue
                lines.append(line)
                records.append(values)
        except csv.Error as error:
            problem = (f"a field longer than {limits.field_chars} characters "
                       "(STRAATKUBUS_MAX_FIELD_CHARS)" if "field limit" in str(error)
                       else str(error))
            raise DeliveryRefused(f"{path.name}: refused, line {last_line + 1}: "
                                  f"{problem}") from None
    return positions, header, separator, lines, records, malformed
def _original(values: list[str], separator: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="").writerow(values)
    return out.getvalue()
