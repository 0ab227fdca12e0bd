"""SQL Lab, datasets and databases: no viewer reaches SQL Lab or dataset and database metadata."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from straatkubus.publish import superset

from ..client import REFUSED, Query, is_empty_list
from ..oracle import ACCESS, CONTROL, DASHBOARDS, VIEWERS

pytestmark = pytest.mark.stack


def metadata_requests(base: str, database_id: int, dataset_ids: list[int]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, request kwargs) of every way to SQL Lab, dataset or database metadata, security and logs."""
    sql = {"database_id": database_id, "sql": "select count(*) from marts.fct_area_signals", "runAsync": False}
    db = f"{base}/api/v1/database/{database_id}"
    found = [
        ("POST", f"{base}/api/v1/sqllab/execute/", {"json": {**sql, "schema": "marts"}}),
        ("GET", f"{base}/api/v1/sqllab/", {}),
        ("GET", f"{base}/api/v1/query/", {}),
        ("GET", f"{base}/api/v1/saved_query/", {}),
        ("GET", f"{base}/api/v1/database/", {}),
        ("GET", db, {}),
        ("GET", f"{db}/connection", {}),
        ("GET", f"{db}/schemas/", {}),
        ("GET", f"{db}/tables/", {"params": {"q": "(schema_name:marts)"}}),
        ("GET", f"{db}/table_metadata/", {"params": {"name": "fct_area_signals", "schema": "marts"}}),
        ("GET", f"{db}/select_star/fct_area_signals/marts/", {}),
        ("GET", f"{base}/api/v1/database/export/", {"params": {"q": f"!({database_id})"}}),
        ("GET", f"{base}/api/v1/dataset/", {}),
        ("GET", f"{base}/api/v1/rowlevelsecurity/", {}),
        ("GET", f"{base}/api/v1/security/roles/", {}),
        ("GET", f"{base}/api/v1/security/users/", {}),
        ("GET", f"{base}/api/v1/log/", {}),
        ("GET", f"{base}/api/v1/dataset/export/", {"params": {"q": f"!({','.join(map(str, dataset_ids))})"}}),
    ]
    for dataset_id in dataset_ids:
        found += [
            ("GET", f"{base}/api/v1/dataset/{dataset_id}", {}),
            ("GET", f"{base}/api/v1/dataset/{dataset_id}/drill_info/", {}),
            ("GET", f"{base}/api/v1/explore/", {"params": {"datasource_id": dataset_id, "datasource_type": "table"}}),
            ("GET", f"{base}/datasource/get/table/{dataset_id}/", {}),
            ("GET", f"{base}/datasource/external_metadata/table/{dataset_id}/", {}),
        ]
    return found


@pytest.mark.parametrize("username", VIEWERS)
def test_no_sql_lab_and_no_dataset_or_database_metadata(
    username: str,
    sessions: dict[str, requests.Session],
    base: str,
    dashboards: dict[str, list[Query]],
    admin_api: superset.Client,
    datasets: dict[str, int],
) -> None:
    """SQL Lab, database and dataset listings and details: refused or empty for every viewer."""
    session, access = sessions[username], ACCESS[username]
    if access.has_function:
        # The session's CSRF token works: a write the viewer may do succeeds, so refusals are about rights.
        dashboard_id = session.get(f"{base}/api/v1/dashboard/{DASHBOARDS[0]}", timeout=30).json()["result"]["id"]
        state = session.post(f"{base}/api/v1/dashboard/{dashboard_id}/filter_state", json={"value": "{}"}, timeout=30)
        assert state.status_code == 201, state.text[:300]
        gone = session.delete(f"{base}/api/v1/dashboard/{dashboard_id}/filter_state/{state.json()['key']}", timeout=30)
        assert gone.status_code == 200, gone.text[:300]  # else the ad-hoc user cannot be removed
    assert session.get(f"{base}/sqllab/", timeout=30, allow_redirects=False).status_code != 200
    database_id = next(iter(admin_api.list("/api/v1/database/", order="database_name")))["id"]
    for method, url, kwargs in metadata_requests(base, database_id, sorted(datasets.values())):
        response = session.request(method, url, timeout=60, allow_redirects=False, **kwargs)
        assert response.status_code in REFUSED or is_empty_list(response), (
            f"{username}: {method} {url.removeprefix(base)} -> {response.status_code} {response.text[:200]}"
        )


def test_admin_reaches_sql_lab_and_metadata(
    sessions: dict[str, requests.Session], base: str, admin_api: superset.Client, datasets: dict[str, int]
) -> None:
    """Control for the test above: the same requests work for the admin."""
    database_id = next(iter(admin_api.list("/api/v1/database/", order="database_name")))["id"]
    for method, url, kwargs in metadata_requests(base, database_id, sorted(datasets.values())):
        response = sessions[CONTROL].request(method, url, timeout=60, allow_redirects=False, **kwargs)
        assert response.status_code == 200, (
            f"admin: {method} {url.removeprefix(base)} -> {response.status_code} {response.text[:200]}"
        )
