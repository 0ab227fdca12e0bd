"""Another municipality's permalink, filter state and cached results show no foreign rows."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ..client import REFUSED, Query, dataset_query, refused_or_allowed, rows_of, with_rls_columns
from ..oracle import ACCESS, DASHBOARDS, RLS_COLUMNS, SIGNALS, forbidden

pytestmark = pytest.mark.stack


OWNER, READER = "kerkrade", "heerlen"


def with_data_mask(queries: list[Query], data_mask: dict[str, Any]) -> Iterator[Query]:
    """The dashboard's chart queries with the native filters' state applied, as the browser does."""
    extra = [f for state in data_mask.values() for f in (state.get("extraFormData") or {}).get("filters", [])]
    for query in queries:
        if query.table not in RLS_COLUMNS or not query.chart_id:
            continue
        changed = copy.deepcopy(query.query_context)
        for part in changed["queries"]:
            part["filters"] = [*part.get("filters", []), *extra]
        yield Query(query.dashboard, query.name, query.table, changed, query.chart_id, query.form_data)


@pytest.mark.parametrize("kind", ["permalink", "filter_state"])
def test_another_municipalitys_filter_state_shows_no_foreign_rows(
    kind: str,
    sessions: dict[str, requests.Session],
    base: str,
    dashboards: dict[str, list[Query]],
    datasets: dict[str, int],
) -> None:
    """A Kerkrade user stores a filter state on Kerkrade areas; a Heerlen user opening it sees no Kerkrade rows.

    Nor does the Heerlen user get anything from the cache keys of the Kerkrade user's results.
    """
    owner, reader, slug = sessions[OWNER], sessions[READER], DASHBOARDS[0]
    areas_query = dataset_query(
        datasets[SIGNALS],
        {
            "columns": ["area_code"],
            "metrics": [],
            "row_limit": 50,
            "filters": [{"col": "area_level", "op": "==", "val": "pc6"}],
        },
    )
    response = owner.post(f"{base}/api/v1/chart/data", json=areas_query, timeout=60)
    areas = sorted({row["area_code"] for row in rows_of(response)})
    assert areas, f"{OWNER} sees no areas of their own"
    codes = sorted(ACCESS[OWNER].municipalities)
    data_mask = {
        "NATIVE_FILTER-gebied": {
            "id": "NATIVE_FILTER-gebied",
            "extraFormData": {
                "filters": [
                    {"col": "area_code", "op": "IN", "val": areas},
                    {"col": "municipality_code", "op": "IN", "val": codes},
                ]
            },
            "filterState": {"value": areas},
            "ownState": {},
        }
    }
    dashboard_id = owner.get(f"{base}/api/v1/dashboard/{slug}", timeout=30).json()["result"]["id"]
    if kind == "permalink":
        stored = owner.post(
            f"{base}/api/v1/dashboard/{dashboard_id}/permalink",
            json={"dataMask": data_mask, "activeTabs": [], "urlParams": []},
            timeout=30,
        )
        assert stored.status_code == 201, stored.text[:300]
        fetched = reader.get(f"{base}/api/v1/dashboard/permalink/{stored.json()['key']}", timeout=30)
        if fetched.status_code == 200:
            data_mask = fetched.json()["state"]["dataMask"]
    else:
        stored = owner.post(
            f"{base}/api/v1/dashboard/{dashboard_id}/filter_state", json={"value": json.dumps(data_mask)}, timeout=30
        )
        assert stored.status_code == 201, stored.text[:300]
        fetched = reader.get(f"{base}/api/v1/dashboard/{dashboard_id}/filter_state/{stored.json()['key']}", timeout=30)
        if fetched.status_code == 200:
            data_mask = json.loads(fetched.json()["value"])
    assert fetched.status_code in (200, *REFUSED), fetched.text[:300]

    outside = 0
    for query in with_data_mask(dashboards[slug], data_mask):
        query_context = with_rls_columns(query)
        response = reader.post(f"{base}/api/v1/chart/data", json=query_context, timeout=120)
        refused_or_allowed(response, ACCESS[READER], query.table, f"{READER}: {query} with {OWNER}'s {kind}")
        control = owner.post(f"{base}/api/v1/chart/data", json=query_context, timeout=120)
        outside += len(forbidden(ACCESS[READER], query.table, rows_of(control)))
        for result in control.json()["result"]:
            cached = reader.get(f"{base}/api/v1/chart/data/{result['cache_key']}", timeout=60)
            refused_or_allowed(cached, ACCESS[READER], query.table, f"{READER}: {OWNER}'s cache key of {query}")
    assert outside, f"{OWNER}'s own filter state shows them nothing {READER} may not see: the check proves nothing"
