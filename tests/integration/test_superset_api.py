"""Row-level security and permissions of the deployed Superset, checked through its REST API.

Every viewer logs in like a browser does (login form, session cookie, the page's CSRF token),
so a 403 below means "not allowed", never "bad CSRF token".
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
import requests
import yaml

from straatkubus import superset
from straatkubus.settings import REPO, Settings

pytestmark = pytest.mark.stack

DASHBOARD_SLUG = "straatkubus-parkstad"
MART = "marts.fct_area_signals"
DEMO_USERS = {
    user["username"]: user for user in yaml.safe_load((REPO / "superset" / "demo_users.yaml").read_text())["users"]
}
VIEWERS = [("heerlen", "GM0917"), ("kerkrade", "GM0928")]
CSRF_INPUT = re.compile(r'<input[^>]*id="csrf_token"[^>]*>')


def browser_session(settings: Settings, username: str, password: str) -> requests.Session:
    """A session logged in through /login/, with the CSRF token of a rendered page."""
    session = requests.Session()
    base = settings.superset_url
    token = _csrf_token(session.get(f"{base}/login/", timeout=30).text)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, f"login as {username} failed ({response.status_code})"
    page = session.get(f"{base}/superset/dashboard/{DASHBOARD_SLUG}/", timeout=30)
    assert page.status_code == 200, f"{username} cannot open the dashboard ({page.status_code})"
    session.headers.update({"X-CSRFToken": _csrf_token(page.text), "Referer": base})
    return session


def _csrf_token(html: str) -> str:
    tag = CSRF_INPUT.search(html)
    assert tag, "no csrf_token input on the page"
    return re.search(r'value="([^"]+)"', tag.group(0)).group(1)


@pytest.fixture(scope="module")
def viewers(superset_stack: Settings) -> dict[str, requests.Session]:
    return {name: browser_session(superset_stack, name, DEMO_USERS[name]["password"]) for name, _ in VIEWERS}


@pytest.fixture(scope="module")
def admin(superset_stack: Settings) -> superset.Client:
    return superset.admin_client(superset_stack)


def dashboard_query_contexts(session: requests.Session, base: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(chart name, saved query context) for every chart on the dashboard, as the viewer."""
    charts = session.get(f"{base}/api/v1/dashboard/{DASHBOARD_SLUG}/charts", timeout=30)
    assert charts.status_code == 200, charts.text
    assert charts.json()["result"], "the dashboard has no charts"
    for chart in charts.json()["result"]:
        detail = session.get(f"{base}/api/v1/chart/{chart['id']}", timeout=30).json()["result"]
        assert detail["query_context"], f"chart {chart['slice_name']!r} has no saved query"
        yield chart["slice_name"], json.loads(detail["query_context"])


def with_municipality(query_context: dict[str, Any]) -> dict[str, Any]:
    """The same query, also returning municipality_code for every row."""
    changed = copy.deepcopy(query_context)
    for query in changed["queries"]:
        if "municipality_code" not in query["columns"]:
            query["columns"].append("municipality_code")
    return changed


def chart_rows(session: requests.Session, base: str, query_context: dict[str, Any]) -> list[dict[str, Any]]:
    response = session.post(f"{base}/api/v1/chart/data", json=query_context, timeout=60)
    assert response.status_code == 200, response.text[:500]
    return [row for result in response.json()["result"] for row in result["data"]]


def own_pc6_codes(settings: Settings, municipality: str) -> set[str]:
    """The PC6 postcodes (area_level pc6) of one municipality, straight from the mart."""
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn.cursor() as cur:
            cur.execute(
                f"select distinct area_code from {MART} where area_level = 'pc6' and municipality_code = %s",
                (municipality,),
            )
            return {code for (code,) in cur.fetchall()}
    finally:
        conn.close()


@pytest.mark.parametrize(("username", "municipality"), VIEWERS)
def test_every_chart_shows_only_own_municipality(
    superset_stack: Settings,
    viewers: dict[str, requests.Session],
    username: str,
    municipality: str,
) -> None:
    session, base = viewers[username], superset_stack.superset_url
    own_codes = own_pc6_codes(superset_stack, municipality)
    assert own_codes, f"no data for {municipality} in the warehouse"
    checked = 0
    for name, query_context in dashboard_query_contexts(session, base):
        # The query exactly as the dashboard saved it: only own postcodes come back ...
        rows = chart_rows(session, base, query_context)
        assert rows, f"{username}: chart {name!r} returned no rows"
        foreign = {row["area_code"] for row in rows} - own_codes
        assert not foreign, f"{username}: chart {name!r} shows other postcodes {sorted(foreign)[:5]}"
        # ... and asked for the municipality too, every row is the user's own.
        rows = chart_rows(session, base, with_municipality(query_context))
        assert {row["municipality_code"] for row in rows} == {municipality}, name
        checked += 1
    assert checked >= 2  # the map and the table at least


def test_admin_sees_every_municipality(superset_stack: Settings, admin: superset.Client) -> None:
    """Control for the test above: without RLS the same query spans municipalities."""
    dashboard = admin.request("GET", f"/api/v1/dashboard/{DASHBOARD_SLUG}/charts")["result"]
    table = next(chart for chart in dashboard if chart["form_data"]["viz_type"] == "table")
    query_context = json.loads(admin.request("GET", f"/api/v1/chart/{table['id']}")["result"]["query_context"])
    body = admin.request("POST", "/api/v1/chart/data", json=with_municipality(query_context))
    codes = {row["municipality_code"] for result in body["result"] for row in result["data"]}
    assert {"GM0917", "GM0928"} <= codes


@pytest.mark.parametrize(("username", "municipality"), VIEWERS)
def test_custom_where_cannot_escape_rls(
    superset_stack: Settings,
    viewers: dict[str, requests.Session],
    username: str,
    municipality: str,
) -> None:
    """A hand-made query that tries to OR its way out of the RLS clause gets nothing more."""
    session, base = viewers[username], superset_stack.superset_url
    _, query_context = next(dashboard_query_contexts(session, base))
    attack = with_municipality(query_context)
    for query in attack["queries"]:
        query["extras"]["where"] = "1 = 1) or (1 = 1"
    response = session.post(f"{base}/api/v1/chart/data", json=attack, timeout=60)
    if response.status_code == 200:
        codes = {row["municipality_code"] for r in response.json()["result"] for row in r["data"]}
        assert codes <= {municipality}
    else:
        assert response.status_code in (400, 403, 422), response.text[:300]


@pytest.mark.parametrize(("username", "municipality"), VIEWERS)
def test_no_sql_lab_and_no_databases(
    superset_stack: Settings,
    admin: superset.Client,
    viewers: dict[str, requests.Session],
    username: str,
    municipality: str,
) -> None:
    session, base = viewers[username], superset_stack.superset_url
    database_id = next(iter(admin.list("/api/v1/database/", order="database_name")))["id"]

    # The session's CSRF token is valid: a write the viewer may do (filter state) succeeds ...
    dashboard_id = session.get(f"{base}/api/v1/dashboard/{DASHBOARD_SLUG}", timeout=30).json()["result"]["id"]
    state = session.post(f"{base}/api/v1/dashboard/{dashboard_id}/filter_state", json={"value": "{}"}, timeout=30)
    assert state.status_code == 201, state.text[:300]

    # ... so these refusals are about permissions.
    execute = session.post(
        f"{base}/api/v1/sqllab/execute/",
        json={"database_id": database_id, "sql": f"select * from {MART}", "runAsync": False},
        timeout=30,
    )
    assert execute.status_code in (401, 403), execute.text[:300]
    assert session.get(f"{base}/sqllab/", timeout=30, allow_redirects=False).status_code != 200

    databases = session.get(f"{base}/api/v1/database/", timeout=30)
    assert databases.status_code in (401, 403) or databases.json()["count"] == 0
    datasets = session.get(f"{base}/api/v1/dataset/", timeout=30)
    assert datasets.status_code in (401, 403) or datasets.json()["count"] == 0


def test_viewer_without_municipality_sees_nothing(superset_stack: Settings, admin: superset.Client) -> None:
    """The Base RLS rule: a viewer role without a municipality role yields no rows at all."""
    roles = {row["name"]: row["id"] for row in admin.list("/api/v1/security/roles/")}
    username, password = "test-zonder-gemeente", "zonder-gemeente-test"
    user_id = admin.request(
        "POST",
        "/api/v1/security/users/",
        json={
            "username": username,
            "password": password,
            "first_name": "Test",
            "last_name": "Zonder gemeente",
            "email": "zonder@test.invalid",
            "active": True,
            "roles": [roles["Straatkubus kijker"]],
        },
    )["id"]
    try:
        session = browser_session(superset_stack, username, password)
        for name, query_context in dashboard_query_contexts(session, superset_stack.superset_url):
            assert chart_rows(session, superset_stack.superset_url, query_context) == [], name
    finally:
        admin.request("DELETE", f"/api/v1/security/users/{user_id}")


def test_deploy_is_idempotent(superset_stack: Settings, admin: superset.Client) -> None:
    """A second deploy creates nothing new: same roles, rules, users, charts, dashboards."""

    def inventory() -> dict[str, list[str]]:
        return {
            "roles": sorted(r["name"] for r in admin.list("/api/v1/security/roles/")),
            "rls": sorted(r["name"] for r in admin.list("/api/v1/rowlevelsecurity/", order="name")),
            "users": sorted(u["username"] for u in admin.list("/api/v1/security/users/")),
            "charts": sorted(c["slice_name"] for c in admin.list("/api/v1/chart/", order="slice_name")),
            "dashboards": sorted(
                d["dashboard_title"] for d in admin.list("/api/v1/dashboard/", order="dashboard_title")
            ),
        }

    before = inventory()
    superset.deploy(superset_stack)
    assert inventory() == before
