"""Fixtures of the whole security package: the admin's API client and the published datasets."""

from __future__ import annotations

import pytest

from straatkubus.publish import superset
from straatkubus.settings import Settings

from .oracle import BORDER, CATALOGUE, SIGNALS


@pytest.fixture(scope="package")
def admin_api(superset_stack: Settings) -> superset.Client:
    return superset.admin_client(superset_stack)


@pytest.fixture(scope="package")
def datasets(admin_api: superset.Client) -> dict[str, int]:
    """Every dataset in Superset: table name -> id."""
    rows = list(admin_api.list("/api/v1/dataset/", order="table_name"))
    found = {row["table_name"]: row["id"] for row in rows}
    assert {SIGNALS, BORDER, CATALOGUE} <= found.keys(), f"datasets: {sorted(found)}"
    return found
