"""CSV and Excel export: only for the export roles, and then only the allowed rows."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from ..client import REFUSED, Control, Query, count_query, dataset_query, expected_counts, export_rows, group_counts
from ..oracle import ACCESS, RLS_COLUMNS, VIEWERS, forbidden

pytestmark = pytest.mark.stack


@pytest.mark.parametrize("username", VIEWERS)
def test_export_only_for_export_roles_and_only_allowed_rows(
    username: str,
    sessions: dict[str, requests.Session],
    control: Control,
    base: str,
    dashboards: dict[str, list[Query]],
    datasets: dict[str, int],
    column_names: dict[str, dict[str, str]],
    warehouse_counts: dict[str, dict[tuple[Any, ...], int]],
) -> None:
    """CSV/xlsx: 403 without the export permission; otherwise exactly the allowed rows."""
    session, access = sessions[username], ACCESS[username]
    for table in RLS_COLUMNS:
        expected = expected_counts(warehouse_counts[table], access, table)
        outside = access.outside(table)
        for filters in [[], *(probe for probe in outside if probe)]:
            for result_format in ("csv", "xlsx") if not filters else ("csv",):
                query_context = dataset_query(datasets[table], count_query(table, filters), result_format=result_format)
                what = f"{username}: {result_format} of {table} with {filters}"
                response = session.post(f"{base}/api/v1/chart/data", json=query_context, timeout=120)
                if not access.can_export:
                    assert response.status_code == 403, f"{what}: {response.status_code}"
                    # The browser's export is a form post: refused the same way.
                    form = session.post(
                        f"{base}/api/v1/chart/data", data={"form_data": json.dumps(query_context)}, timeout=120
                    )
                    assert form.status_code == 403, f"{what} (form post): {form.status_code}"
                    continue
                assert response.status_code == 200, f"{what}: {response.status_code} {response.text[:300]}"
                rows = export_rows(response, result_format, column_names[table])
                leaked = forbidden(access, table, rows)
                assert not leaked, f"{what}: {len(leaked)} rows outside their rights, e.g. {leaked[0]}"
                if not filters:
                    assert group_counts(rows, table) == expected, what
                if filters in outside:
                    checked = control.post(f"{base}/api/v1/chart/data", json=query_context)
                    assert forbidden(access, table, export_rows(checked, result_format, column_names[table])), (
                        f"control gets nothing for {what}"
                    )
    # A saved chart's own export (one chart per dataset).
    charts: dict[str, Query] = {}
    for query in (q for queries in dashboards.values() for q in queries if q.chart_id):
        charts.setdefault(query.table, query)
    for query in charts.values():
        response = session.get(f"{base}/api/v1/chart/{query.chart_id}/data/", params={"format": "csv"}, timeout=120)
        if access.can_export:
            assert response.status_code == 200, f"{username}: csv of {query}: {response.status_code}"
        else:
            assert response.status_code in REFUSED, f"{username}: csv of {query}: {response.status_code}"
