"""Altered queries: filters removed, extra group-by, custom SQL, WHERE/HAVING escapes, subqueries,
another dataset, the legacy chart endpoint."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import requests

from ..client import (
    REFUSED,
    REJECTED,
    Control,
    Query,
    count_query,
    expected_counts,
    export_rows,
    group_counts,
    refused_or_allowed,
    rows_of,
)
from ..oracle import ACCESS, CATALOGUE, RLS_COLUMNS, VIEWERS, forbidden

pytestmark = pytest.mark.stack


WHERE_ESCAPES = [
    "1 = 1) or (1 = 1",
    "1 = 1 or true",
    "1 = 1 -- ",
    "1 = 1 /* ",
    "1 = 1) or true --",
    "1 = 1; select * from marts.fct_area_signals",
    "area_code in (select area_code from marts.fct_area_signals)",
]
HAVING_ESCAPES = [
    "count(*) > 0) or (1 = 1",
    "count(*) > 0 or true",
    "count(*) > 0 -- ",
]
SUBQUERY = "(select count(*) from marts.{table})"


def base_query(dashboards: dict[str, list[Query]], table: str) -> dict[str, Any]:
    """A dashboard chart's saved query on `table`: filters removed, grouped by the RLS columns, count(*)."""
    query = next(q for queries in dashboards.values() for q in queries if q.table == table and q.chart_id)
    changed = copy.deepcopy(query.query_context)
    changed.update(result_type="full", result_format="json")
    changed["queries"] = [{**changed["queries"][0], **count_query(table), "post_processing": []}]
    return changed


@pytest.mark.parametrize("username", VIEWERS)
def test_altered_queries_return_only_allowed_rows(
    username: str,
    sessions: dict[str, requests.Session],
    base: str,
    dashboards: dict[str, list[Query]],
    datasets: dict[str, int],
    warehouse_counts: dict[str, dict[tuple[Any, ...], int]],
) -> None:
    """Filters removed, extra group-by, custom SQL metrics, WHERE/HAVING escapes, another dataset."""
    session, access = sessions[username], ACCESS[username]

    def post(query_context: dict[str, Any]) -> requests.Response:
        return session.post(f"{base}/api/v1/chart/data", json=query_context, timeout=120)

    for table in RLS_COLUMNS:
        expected = expected_counts(warehouse_counts[table], access, table)
        query_context = base_query(dashboards, table)

        # All filters removed, grouped by the RLS columns, count(*): exactly the oracle's rows.
        response = post(query_context)
        if access.has_function:
            assert response.status_code == 200, f"{username}: {response.status_code} {response.text[:300]}"
            assert group_counts(rows_of(response), table) == expected, f"{username}: {table} without filters"
        else:
            assert response.status_code in REFUSED, f"{username}: {table} -> {response.status_code}"

        subquery = {"expressionType": "SQL", "sqlExpression": SUBQUERY.format(table=table), "label": "n"}
        attempts = [
            *((f"WHERE {where!r}", {"extras": {"where": where, "having": ""}}) for where in WHERE_ESCAPES),
            *((f"HAVING {having!r}", {"extras": {"where": "", "having": having}}) for having in HAVING_ESCAPES),
            ("subquery metric", {"metrics": [subquery]}),
            ("subquery column", {"columns": [*RLS_COLUMNS[table], {**subquery, "label": "all_rows"}]}),
        ]
        for what, changes in attempts:
            attack = copy.deepcopy(query_context)
            attack["queries"][0].update(changes)
            rows = refused_or_allowed(post(attack), access, table, f"{username}: {table} {what}")
            for group, n in group_counts(rows, table).items():  # a subquery's count exceeds these
                assert n <= expected.get(group, 0), f"{username}: {table} {what}: {n} rows in {group}"

        # The same query sent to every other dataset: each answers with its own rows only.
        for other, dataset_id in datasets.items():
            if other == table:
                continue
            moved = copy.deepcopy(query_context)
            moved["datasource"] = {"id": dataset_id, "type": "table"}
            moved["form_data"] = {**moved.get("form_data", {}), "datasource": f"{dataset_id}__table"}
            moved["queries"][0].update(count_query(other) if other in RLS_COLUMNS else {"columns": [], "filters": []})
            response = post(moved)
            if other in RLS_COLUMNS:
                refused_or_allowed(response, access, other, f"{username}: {table} query on {other}")
            elif other == CATALOGUE and access.has_function:
                assert response.status_code == 200, f"{username}: catalogue -> {response.status_code}"
            else:
                assert response.status_code in REFUSED + REJECTED, f"{username}: query on {other} allowed"


def legacy_rows(kind: str, response: requests.Response, names: dict[str, str]) -> list[dict[str, Any]]:
    return response.json()["data"] if kind == "results" else export_rows(response, kind, names)


@pytest.mark.parametrize("username", VIEWERS)
def test_legacy_chart_endpoint_with_altered_form_data(
    username: str,
    sessions: dict[str, requests.Session],
    control: Control,
    base: str,
    dashboards: dict[str, list[Query]],
    column_names: dict[str, dict[str, str]],
) -> None:
    """The map's form data, filters removed, RLS columns added, sent to /superset/explore_json/."""
    access = ACCESS[username]
    maps = [q for qs in dashboards.values() for q in qs if q.form_data and q.form_data["viz_type"].startswith("deck_")]
    assert maps, "no deck.gl map on the dashboards"
    for query in maps:
        form_data = {
            **query.form_data,
            "adhoc_filters": [],
            "line_column": "area_code",  # raw results need no geometry
            "js_columns": list(RLS_COLUMNS[query.table]),
            "row_limit": 10000,
        }
        names = column_names[query.table]
        for kind in ("results", "csv"):
            url, what = f"{base}/superset/explore_json/?{kind}=true", f"{username}: explore_json {kind} of {query}"
            body = {"form_data": json.dumps(form_data)}
            response = sessions[username].post(url, data=body, timeout=120)
            if response.status_code not in REFUSED + REJECTED:
                assert response.status_code == 200, f"{what}: {response.status_code} {response.text[:300]}"
                leaked = forbidden(access, query.table, legacy_rows(kind, response, names))
                assert not leaked, f"{what}: {len(leaked)} rows outside their rights, e.g. {leaked[0]}"
            checked = control.post(url, data=body)
            assert checked.status_code == 200, f"control {what}: {checked.text[:300]}"
            assert forbidden(access, query.table, legacy_rows(kind, checked, names)), f"control gets nothing for {what}"
