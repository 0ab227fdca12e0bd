"""Great Expectations 1.x validation of raw deliveries, before anything is loaded.

`expectations/` is the GX project folder. The suites are defined here, next to the delivery
contracts they check, and stored idempotently (add_or_update by name). A failed validation
raises `ValidationFailed` naming every failing expectation; Data Docs (HTML) are written to
`expectations/uncommitted/data_docs/` (git-ignored).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from straatkubus.contracts import CONTRACTS, parse_delivery_name
from straatkubus.settings import MUNICIPALITIES, REPO

GX_DIR = REPO / "expectations"
PC6_PATTERN = r"^[1-9][0-9]{3}[A-Z]{2}$"


def _suite_expectations(source: str) -> list:
    import great_expectations as gx

    e = gx.expectations
    contract = CONTRACTS[source]
    common = [
        e.ExpectTableColumnsToMatchOrderedList(column_list=contract.column_names),
        e.ExpectTableRowCountToBeBetween(min_value=1),
        *[e.ExpectColumnValuesToNotBeNull(column=c) for c in contract.column_names],
        e.ExpectCompoundColumnsToBeUnique(column_list=list(contract.key))
        if len(contract.key) > 1 else e.ExpectColumnValuesToBeUnique(column=contract.key[0]),
    ]
    specific = {
        "bag_addresses": [
            e.ExpectColumnValuesToMatchRegex(column="postcode", regex=PC6_PATTERN),
            e.ExpectColumnValuesToMatchRegex(column="address_id", regex=r"^[0-9]{16}$"),
            e.ExpectColumnValuesToBeInSet(column="municipality_code",
                                          value_set=sorted(MUNICIPALITIES)),
            e.ExpectColumnValuesToBeBetween(column="house_number", min_value=1, max_value=99999),
            e.ExpectColumnValuesToBeBetween(column="longitude", min_value=5.7, max_value=6.2),
            e.ExpectColumnValuesToBeBetween(column="latitude", min_value=50.7, max_value=51.1),
        ],
        "brp_persons": [
            e.ExpectColumnValuesToMatchRegex(column="bsn", regex=r"^[0-9]{9}$"),
            e.ExpectColumnValuesToMatchStrftimeFormat(column="birth_date", strftime_format="%Y-%m-%d"),
            e.ExpectColumnValuesToMatchRegex(column="address_id", regex=r"^[0-9]{16}$"),
        ],
    }
    return common + specific[source]


@dataclass(frozen=True)
class Failure:
    expectation: str
    column: str | None
    examples: list


class ValidationFailed(RuntimeError):
    def __init__(self, path: Path, failures: list[Failure], docs: Path) -> None:
        lines = [f"{path.name}: {len(failures)} expectation(s) failed"]
        for f in failures:
            column = f" on column {f.column!r}" if f.column else ""
            lines.append(f"  - {f.expectation}{column}; examples: {f.examples[:5]}")
        lines.append(f"  Data Docs: {docs}")
        super().__init__("\n".join(lines))
        self.failures = failures


def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx, gx.get_context(mode="file", context_root_dir=str(GX_DIR))


def ensure_suites() -> None:
    """Store every source's suite, validation definition and checkpoint (idempotent)."""
    gx, context = _context()
    for source in sorted(CONTRACTS):
        _checkpoint(gx, context, source)


def _get_or_none(store, name: str):
    try:
        return store.get(name)
    except Exception:  # GX raises store-specific "not found" errors
        return None


def _same(suite, expectations: list) -> bool:
    def key(e):
        return (e.expectation_type, sorted(e.configuration.kwargs.items(), key=str))
    return [key(e) for e in suite.expectations] == [key(e) for e in expectations]


def _checkpoint(gx, context, source: str):
    """The checkpoint of one source, (re)storing only what is missing or changed."""
    wanted = _suite_expectations(source)
    suite = _get_or_none(context.suites, source)
    changed = suite is None or not _same(suite, wanted)
    if changed:
        if suite is not None:  # definitions point at the old suite: replace them too
            if _get_or_none(context.checkpoints, source):
                context.checkpoints.delete(source)
            if _get_or_none(context.validation_definitions, source):
                context.validation_definitions.delete(source)
            context.suites.delete(source)
        suite = context.suites.add(gx.ExpectationSuite(name=source, expectations=wanted))
    checkpoint = _get_or_none(context.checkpoints, source)
    if checkpoint is not None:
        return checkpoint
    data_source = _get_or_none(context.data_sources, "deliveries") or \
        context.data_sources.add_pandas("deliveries")
    try:
        asset = data_source.get_asset(source)
    except LookupError:
        asset = data_source.add_dataframe_asset(source)
    try:
        batch = asset.get_batch_definition("whole_delivery")
    except KeyError:
        batch = asset.add_batch_definition_whole_dataframe("whole_delivery")
    definition = _get_or_none(context.validation_definitions, source) or \
        context.validation_definitions.add(
            gx.ValidationDefinition(name=source, data=batch, suite=suite))
    return context.checkpoints.add(gx.Checkpoint(
        name=source, validation_definitions=[definition],
        actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
        result_format={"result_format": "SUMMARY"},
    ))


NUMERIC_TYPES = {"integer", "bigint", "double precision", "numeric"}


def read_delivery(path: Path, source: str) -> pd.DataFrame:
    """The delivery as sent: text, with numeric contract columns parsed (unparseable: null)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                        encoding="utf-8-sig")
    for column in CONTRACTS[source].columns:
        if column.pg_type in NUMERIC_TYPES and column.name in frame:
            frame[column.name] = pd.to_numeric(frame[column.name], errors="coerce")
    return frame


def validate_file(path: Path) -> int:
    """Validate one delivery file against its source's suite; returns the row count."""
    name = parse_delivery_name(path)
    frame = read_delivery(path, name.source)
    gx, context = _context()
    checkpoint = _checkpoint(gx, context, name.source)
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    if not result.success:
        failures = [
            Failure(r.expectation_config.type, r.expectation_config.kwargs.get("column"),
                    list(r.result.get("partial_unexpected_list") or [r.result.get("observed_value")]))
            for run in result.run_results.values() for r in run.results if not r.success
        ]
        raise ValidationFailed(path, failures, GX_DIR / "uncommitted" / "data_docs" / "local_site" / "index.html")
    return len(frame)
