"""Anonymous visitors get nothing."""

from __future__ import annotations

import pytest
import requests

from straatkubus.publish import superset

from ..client import REFUSED, Query, count_query, dataset_query, is_empty_list
from ..oracle import SIGNALS

pytestmark = pytest.mark.stack


def test_anonymous_visitors_get_nothing(
    base: str, dashboards: dict[str, list[Query]], datasets: dict[str, int], admin_api: superset.Client
) -> None:
    """Without a login: no charts, no chart data, no dashboards, no samples; PUBLIC has no permissions."""
    anonymous = requests.Session()
    query = dataset_query(datasets[SIGNALS], count_query(SIGNALS))
    assert anonymous.get(f"{base}/api/v1/chart/", timeout=30).status_code in REFUSED
    assert anonymous.post(f"{base}/api/v1/chart/data", json=query, timeout=30).status_code in REFUSED
    samples = {"datasource_type": "table", "datasource_id": datasets[SIGNALS]}
    response = anonymous.post(f"{base}/datasource/samples", params=samples, json={}, timeout=30, allow_redirects=False)
    assert response.status_code in (*REFUSED, 302), response.status_code
    for slug, queries in dashboards.items():
        assert anonymous.get(f"{base}/api/v1/dashboard/{slug}", timeout=30).status_code in REFUSED, slug
        assert anonymous.get(f"{base}/api/v1/dashboard/{slug}/charts", timeout=30).status_code in REFUSED, slug
        page = anonymous.get(f"{base}/superset/dashboard/{slug}/", timeout=30, allow_redirects=False)
        assert page.status_code in (*REFUSED, 302) and "login" in page.headers.get("Location", "login"), slug
        for chart in (query for query in queries if query.chart_id):
            response = anonymous.get(f"{base}/api/v1/chart/{chart.chart_id}/data/", timeout=30)
            assert response.status_code in REFUSED, f"{chart}: {response.status_code}"
    listed = anonymous.get(f"{base}/api/v1/dashboard/", timeout=30)
    assert listed.status_code in REFUSED or is_empty_list(listed), listed.text[:200]
    roles = {row["name"]: row["id"] for row in admin_api.list("/api/v1/security/roles/")}
    if "Public" in roles:
        permissions = admin_api.request("GET", f"/api/v1/security/roles/{roles['Public']}/permissions/")["result"]
        assert permissions == [], f"the Public role has permissions: {permissions[:5]}"
