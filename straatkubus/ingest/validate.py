"""Great Expectations 1.x validation of every delivery, before anything is loaded.

`expectations/` is the GX project folder. Each source's suite is derived from its delivery
contract (straatkubus.ingest.contracts) plus a few delivery-level plausibility checks, and stored
idempotently (only rewritten when it changes). Intake (straatkubus.ingest.intake) quarantines rows
that break the contract first; the suite then runs strictly on the loadable rows. A failed
validation raises `ValidationFailed` naming every failing expectation, and the whole
delivery is refused. BSN columns hold their pseudonym by then (straatkubus.ingest.intake), so no
BSN reaches a batch, a stored result or Data Docs. Data Docs (HTML) and the stored results
go to `expectations/uncommitted/` (git-ignored) and are kept equally long
(`prune_validation_results`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd

from straatkubus.ingest import contracts as c
from straatkubus.ingest.contracts import CONTRACTS
from straatkubus.ingest.intake import PC6_PATTERN, Intake
from straatkubus.settings import REPO

GX_DIR = REPO / "expectations"
DATA_DOCS = GX_DIR / "uncommitted" / "data_docs" / "local_site" / "index.html"
PSEUDONYM_PATTERN = r"^[0-9a-f]{64}$"  # what a BSN column holds when validated

# Delivery-level plausibility beyond the contract's per-value rules (per source).
PLAUSIBILITY = {
    "woz_values": [("ExpectColumnMeanToBeBetween",
                    dict(column="woz_value", min_value=50_000, max_value=1_500_000))],
    "household_income": [("ExpectColumnMedianToBeBetween",
                          dict(column="income_pct_social_minimum", min_value=80, max_value=800))],
    "corporation_tenancies": [("ExpectColumnMeanToBeBetween",
                               dict(column="months_in_arrears", min_value=0, max_value=3))],
    "care_consumption": [("ExpectColumnPairValuesAToBeGreaterThanB",
                          dict(column_A="insured_persons", column_B="mental_health_clients",
                               or_equal=True))],
    "bag_addresses": [("ExpectColumnDistinctValuesToContainSet",
                       dict(column="use", value_set=["woonfunctie"]))],
    "brp_persons": [("ExpectColumnProportionOfUniqueValuesToBeBetween",
                     dict(column="household_id", min_value=0.2, max_value=1.0))],
}


def _suite_expectations(source: str) -> list:
    """The suite of one source: its contract's rules as expectations, plus plausibility.

    The loader has already quarantined rows that break the contract, so these run strictly
    on the loadable rows: a failure means a check is missing or the delivery is implausible.
    """
    import great_expectations as gx

    e = gx.expectations
    contract = CONTRACTS[source]
    suite = [e.ExpectTableColumnsToMatchOrderedList(column_list=contract.column_names)]
    if not contract.monthly:  # a register is never empty; a month may have no events
        suite.append(e.ExpectTableRowCountToBeBetween(min_value=1))
    for column in contract.columns:
        name = column.name
        if not column.nullable:
            suite.append(e.ExpectColumnValuesToNotBeNull(column=name))
        if column.values:
            suite.append(e.ExpectColumnValuesToBeInSet(column=name, value_set=list(column.values)))
        pattern = {c.BSN: PSEUDONYM_PATTERN, c.POSTCODE: PC6_PATTERN}.get(column.role,
                                                                        column.pattern)
        if column.pg_type == "date":
            pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        if pattern:
            suite.append(e.ExpectColumnValuesToMatchRegex(column=name, regex=pattern))
        if column.minimum is not None or column.maximum is not None:
            suite.append(e.ExpectColumnValuesToBeBetween(
                column=name, min_value=column.minimum, max_value=column.maximum))
    if len(contract.key) > 1:
        suite.append(e.ExpectCompoundColumnsToBeUnique(column_list=list(contract.key)))
    else:
        suite.append(e.ExpectColumnValuesToBeUnique(column=contract.key[0]))
    suite += [getattr(e, kind)(**kwargs) for kind, kwargs in PLAUSIBILITY.get(source, [])]
    return suite


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
        self._arguments = (path, failures, docs)

    def __reduce__(self):  # raised in a worker process, re-raised in the loader
        return ValidationFailed, self._arguments


@cache
def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx, gx.get_context(mode="file", context_root_dir=str(GX_DIR))


def ensure_suites() -> None:
    """Store every source's suite, validation definition and checkpoint (idempotent)."""
    gx, context = _context()
    for source in sorted(CONTRACTS):
        _validation_definition(gx, context, source)


def _get_or_none(store, name: str):
    try:
        return store.get(name)
    except Exception:  # GX raises store-specific "not found" errors
        return None


def _same(suite, expectations: list) -> bool:
    def key(e):
        return (e.expectation_type, sorted(e.configuration.kwargs.items(), key=str))
    return [key(e) for e in suite.expectations] == [key(e) for e in expectations]


def _validation_definition(gx, context, source: str):
    """The validation definition of one source, with its suite and a checkpoint (for running
    it from GX's own tools), (re)storing only what is missing or changed."""
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
    definition = _get_or_none(context.validation_definitions, source)
    if definition is not None and _get_or_none(context.checkpoints, source) is not None:
        return definition
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
    if _get_or_none(context.checkpoints, source) is None:
        context.checkpoints.add(gx.Checkpoint(
            name=source, validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            result_format={"result_format": "SUMMARY"},
        ))
    return definition


def _typed(intake: Intake) -> pd.DataFrame:
    """The loadable rows with numeric columns as numbers, as the suites expect them."""
    frame = intake.rows.copy()
    for column in intake.contract.columns:
        if column.is_number:
            frame[column.name] = pd.to_numeric(frame[column.name])
    return frame


def validate_intake(intake: Intake, path: Path) -> None:
    """Run the source's suite on a delivery's loadable rows; raise ValidationFailed.

    Data Docs are not rebuilt per delivery (that costs more than the validation itself):
    call `build_data_docs(since)` once after a batch.
    """
    gx, context = _context()
    definition = _validation_definition(gx, context, intake.name.source)
    result = definition.run(batch_parameters={"dataframe": _typed(intake)},
                            result_format="SUMMARY")
    if not result.success:
        failures = [
            Failure(r.expectation_config.type,
                    r.expectation_config.kwargs.get("column"),
                    list(r.result.get("partial_unexpected_list")
                         or [r.result.get("observed_value")]))
            for r in result.results if not r.success
        ]
        raise ValidationFailed(path, failures, DATA_DOCS)


def build_data_docs(since: datetime) -> Path:
    """Render the validation results stored `since` (a batch's) and the suites to HTML
    (git-ignored); returns the index page, which lists the newest results.

    Every stored result is kept, but rendering them all again after each batch cost more
    with every load (100 s after some forty loads of Parkstad)."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    _, context = _context()
    results = context.stores[context.validation_results_store_name]
    batch = [key for key in results.list_keys() if key.run_id.run_time >= since]
    suites = [ExpectationSuiteIdentifier(name) for name in sorted(CONTRACTS)]
    context.build_data_docs(resource_identifiers=[*suites, *batch])
    return DATA_DOCS


def prune_validation_results(before: datetime) -> int:
    """Delete the validation results stored before `before` together with their Data Docs
    pages, so that neither outlives the other; returns how many."""
    _, context = _context()
    results = context.stores[context.validation_results_store_name]
    old = [key for key in results.list_keys() if key.run_id.run_time < before]
    for key in old:
        for site in context.get_docs_sites_urls(resource_identifier=key):
            if site["site_url"]:
                page = Path(unquote(urlparse(site["site_url"]).path))
                page.unlink(missing_ok=True)
                for folder in page.parents:  # the run's folders, once empty
                    if folder.name == "validations" or any(folder.iterdir()):
                        break
                    folder.rmdir()
        results.remove_key(key)
    return len(old)
