"""Fixtures of the whole security package: the admin's API client and the published datasets."""

from __future__ import annotations

import time
from typing import Any

import pytest

from straatkubus.publish import superset
from straatkubus.settings import Settings

from .oracle import BORDER, CATALOGUE, SIGNALS


class AdminApi:
    """The admin's REST client, logged in again once its token is ten minutes old: Superset's
    JWT lasts fifteen, the package runs longer (a login per use would meet the login limit)."""

    TOKEN_AGE = 600  # seconds

    def __init__(self, settings: Settings) -> None:
        self.settings, self.client, self.since = settings, None, 0.0

    def __getattr__(self, name: str) -> Any:
        if self.client is None or time.monotonic() - self.since > self.TOKEN_AGE:
            self.client, self.since = superset.admin_client(self.settings), time.monotonic()
        return getattr(self.client, name)


@pytest.fixture(scope="package")
def admin_api(superset_stack: Settings) -> AdminApi:
    return AdminApi(superset_stack)


@pytest.fixture(scope="package")
def datasets(admin_api: superset.Client) -> dict[str, int]:
    """Every dataset in Superset: table name -> id."""
    rows = list(admin_api.list("/api/v1/dataset/", order="table_name"))
    found = {row["table_name"]: row["id"] for row in rows}
    assert {SIGNALS, BORDER, CATALOGUE} <= found.keys(), f"datasets: {sorted(found)}"
    return found
