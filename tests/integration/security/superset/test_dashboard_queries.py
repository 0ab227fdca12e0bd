"""The dashboards' own queries: each viewer opens the dashboards and gets only allowed rows."""

from __future__ import annotations

import pytest
import requests

from ..client import REFUSED, ChartResults, Query, rows_of
from ..oracle import ACCESS, CONTROL, MUNICIPALITY_ROLES, VIEWERS, forbidden, other_beleidsmedewerker

pytestmark = pytest.mark.stack


@pytest.mark.parametrize("username", VIEWERS)
def test_dashboards_open_with_their_charts(
    username: str, sessions: dict[str, requests.Session], base: str, dashboards: dict[str, list[Query]]
) -> None:
    """Viewers open every dashboard and see its charts; a user without a function role opens none."""
    session, access = sessions[username], ACCESS[username]
    for slug, queries in dashboards.items():
        response = session.get(f"{base}/api/v1/dashboard/{slug}/charts", timeout=30)
        if not access.has_function:
            assert response.status_code in REFUSED, f"{username} opens {slug}: {response.status_code}"
            continue
        assert response.status_code == 200, f"{username} cannot open {slug}: {response.status_code}"
        names = {chart["slice_name"] for chart in response.json()["result"]}
        assert names == {query.name for query in queries if query.chart_id}, slug


def test_every_dashboard_query_runs(
    sessions: dict[str, requests.Session], base: str, dashboards: dict[str, list[Query]]
) -> None:
    """Each chart's saved query, unchanged, runs for the admin (a broken chart proves nothing below)."""
    failed = {}
    for query in (query for queries in dashboards.values() for query in queries):
        response = sessions[CONTROL].post(f"{base}/api/v1/chart/data", json=query.query_context, timeout=120)
        if response.status_code != 200:
            failed[str(query)] = f"{response.status_code} {response.text[:300]}"
    assert not failed, failed


@pytest.mark.parametrize("username", VIEWERS)
def test_dashboard_queries_return_only_allowed_rows(username: str, chart_results: ChartResults) -> None:
    """Every chart and filter of every dashboard, grouped by the RLS columns: only allowed rows."""
    access = ACCESS[username]
    seen = 0
    for (query, response), (_, control) in zip(chart_results[username], chart_results[CONTROL], strict=True):
        if not access.has_function:
            assert response.status_code in REFUSED, f"{username}: {query} -> {response.status_code}"
            continue
        if control.status_code != 200:
            continue  # broken for everyone: test_every_dashboard_query_runs says so
        assert response.status_code == 200, f"{username}: {query} -> {response.status_code} {response.text[:300]}"
        rows = rows_of(response)
        leaked = forbidden(access, query.table, rows)
        assert not leaked, f"{username}: {query} returns {len(leaked)} rows outside their rights, e.g. {leaked[0]}"
        seen += len(rows)
    if access.has_function:
        assert seen, f"{username} sees no data on any dashboard"


@pytest.mark.parametrize("username", VIEWERS)
def test_controls_get_rows_outside_the_users_rights(username: str, chart_results: ChartResults) -> None:
    """The same queries do return rows this user may not see: to the admin and to another municipality."""
    access = ACCESS[username]
    for control in (CONTROL, other_beleidsmedewerker(access)):
        outside = [
            row
            for query, response in chart_results[control]
            if response.status_code == 200
            for row in forbidden(access, query.table, rows_of(response))
        ]
        assert outside, f"{control} gets no rows outside {username}'s rights: the check above proves nothing"


COMPARING_CHARTS = ("Gemeenten ten opzichte van Parkstad", "Kaart wijken Parkstad: index", "Ranglijst wijken")
MUNICIPAL_VIEWERS = sorted(name for name, access in ACCESS.items() if access.municipalities and access.has_function)


@pytest.mark.parametrize("username", MUNICIPAL_VIEWERS)
def test_regio_parkstad_compares_all_seven_municipalities(username: str, chart_results: ChartResults) -> None:
    """Every municipal user compares across borders: the Regio dashboard's comparing charts
    return rows (openbaar at least) of all seven municipalities."""
    charts = [
        (query, response)
        for query, response in chart_results[username]
        if query.dashboard == "regio-parkstad" and query.name in COMPARING_CHARTS
    ]
    assert {query.name for query, _ in charts} == set(COMPARING_CHARTS)
    for query, response in charts:
        assert response.status_code == 200, (query.name, response.text[:300])
        codes = {row["municipality_code"] for row in rows_of(response)}
        assert codes >= set(MUNICIPALITY_ROLES.values()), f"{username} on {query.name}: {sorted(codes)}"
