"""The Great Expectations suites: derived from the contracts, stored once, and able to fail."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from straatkubus.ingest.contracts import CONTRACTS
from straatkubus.ingest.intake import read_delivery, scope
from straatkubus.ingest.validate import (
    DATA_DOCS,
    GX_DIR,
    ValidationFailed,
    build_data_docs,
    ensure_suites,
    validate_intake,
)
from straatkubus.settings import Settings

ALLOWED = scope(Settings.from_env().reference_data_dir, 0)
KEY = Settings.from_env().pseudonym_key


def woz_delivery(folder: Path, values: list[int]) -> Path:
    path = folder / "woz_values__GM0965__2024.csv"
    path.write_text("address_id,municipality_code,valuation_date,woz_value\n" + "".join(
        f"096520000000{i:04d},GM0965,2023-01-01,{value}\n" for i, value in enumerate(values)))
    return path


def test_every_source_has_a_stored_suite_and_storing_twice_changes_nothing():
    ensure_suites()
    suites = {p.stem: p.read_text() for p in (GX_DIR / "expectations").glob("*.json")}
    assert set(CONTRACTS) <= set(suites)
    ensure_suites()
    assert {p.stem: p.read_text() for p in (GX_DIR / "expectations").glob("*.json")} == suites


def test_a_plausible_delivery_passes_and_data_docs_are_written(tmp_path):
    """Data Docs render the suites and the batch's results, not every stored one again."""
    pages = DATA_DOCS.parent / "validations" / "woz_values"
    validate_intake(read_delivery(path := woz_delivery(tmp_path, [180_000]), ALLOWED, key=KEY), path)
    since = datetime.now(UTC)
    validate_intake(read_delivery(path := woz_delivery(tmp_path, [210_000]), ALLOWED, key=KEY), path)
    validate_intake(read_delivery(path := woz_delivery(tmp_path, [250_000]), ALLOWED, key=KEY), path)
    before = {page: page.stat().st_mtime_ns for page in pages.rglob("*.html")}
    assert build_data_docs(since).exists()
    written = {page for page in pages.rglob("*.html")
               if before.get(page) != page.stat().st_mtime_ns}
    assert len(written) == 2
    assert (DATA_DOCS.parent / "expectations" / "woz_values.html").exists()


def test_an_implausible_delivery_fails_naming_the_expectation(tmp_path):
    path = woz_delivery(tmp_path, [1_500, 2_000, 2_500])
    with pytest.raises(ValidationFailed) as failure:
        validate_intake(read_delivery(path, ALLOWED, key=KEY), path)
    report = str(failure.value)
    assert "expect_column_mean_to_be_between on column 'woz_value'" in report
    assert "Data Docs:" in report
