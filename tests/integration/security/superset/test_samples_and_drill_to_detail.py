"""Samples and drill-to-detail: raw rows are refused or only the allowed ones."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ..client import REFUSED, REJECTED, Control, dataset_query, expected_counts, rows_of
from ..oracle import ACCESS, CATALOGUE, RLS_COLUMNS, VIEWERS, forbidden

pytestmark = pytest.mark.stack


SAMPLE_ROWS = 50


def sample_requests(base: str, dataset_id: int, filters: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """(endpoint, url, request kwargs) of every way to a dataset's raw rows."""
    query = {"columns": [], "metrics": [], "filters": filters, "row_limit": SAMPLE_ROWS, "orderby": []}
    params = {"datasource_type": "table", "datasource_id": dataset_id, "per_page": SAMPLE_ROWS}
    return [
        *(
            (
                f"chart data {kind}",
                f"{base}/api/v1/chart/data",
                {"json": dataset_query(dataset_id, query, result_type=kind)},
            )
            for kind in ("samples", "drill_detail")
        ),
        ("datasource samples", f"{base}/datasource/samples", {"params": params, "json": {"filters": filters}}),
    ]


def sample_rows(endpoint: str, response: requests.Response) -> list[dict[str, Any]]:
    return response.json()["result"]["data"] if endpoint == "datasource samples" else rows_of(response)


@pytest.mark.parametrize("username", VIEWERS)
def test_samples_and_drill_to_detail_return_only_allowed_rows(
    username: str,
    sessions: dict[str, requests.Session],
    control: Control,
    base: str,
    datasets: dict[str, int],
    warehouse_counts: dict[str, dict[tuple[Any, ...], int]],
) -> None:
    """Raw rows (result types samples / drill_detail, /datasource/samples): refused or allowed only.

    Asked for the whole dataset and with filters that select only what the user may not see;
    from the latter the admin gets rows outside the user's rights.
    """
    access = ACCESS[username]
    for table in (*RLS_COLUMNS, CATALOGUE):
        outside = access.outside(table)
        for filters in [[], *(probe for probe in outside if probe)]:
            for endpoint, url, kwargs in sample_requests(base, datasets[table], filters):
                what = f"{username}: {endpoint} of {table} with {filters}"
                response = sessions[username].post(url, timeout=120, **kwargs)
                if response.status_code not in REFUSED + REJECTED:
                    assert response.status_code == 200, f"{what}: {response.status_code} {response.text[:300]}"
                    leaked = forbidden(access, table, sample_rows(endpoint, response))
                    assert not leaked, f"{what}: {len(leaked)} rows outside their rights, e.g. {leaked[0]}"
                    if endpoint == "datasource samples" and not filters and table in RLS_COLUMNS:
                        total = sum(expected_counts(warehouse_counts[table], access, table).values())
                        assert response.json()["result"]["total_count"] == total, what
                if filters in outside:
                    checked = control.post(url, **kwargs)
                    assert checked.status_code == 200, f"control {endpoint}: {checked.text[:300]}"
                    assert forbidden(access, table, sample_rows(endpoint, checked)), f"control gets nothing for {what}"
