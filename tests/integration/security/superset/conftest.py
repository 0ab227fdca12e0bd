"""The logged-in users, the dashboards' queries and the warehouse's counts, shared by the package.

Package-scoped, so the `rls_mode` toggle (deleting Superset's RLS rules and restoring them) and
every login happen once per mode for all modules, not once per module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
import requests

from straatkubus.publish import superset
from straatkubus.settings import Settings

from ..client import ChartResults, Control, Query, browser_session, dataset_query
from ..oracle import AD_HOC_USERS, CONTROL, DASHBOARDS, RLS_COLUMNS, USERS


@pytest.fixture(scope="package", params=["superset-and-database", "database-alone"])
def rls_mode(request, admin_api: superset.Client) -> Iterator[str]:
    """The whole package runs twice: with Superset's RLS rules, and with every rule deleted, so
    that PostgreSQL's own policies alone must keep each user to their rows (and the result
    cache, keyed by login, must not hand one user's rows to another)."""
    if request.param == "database-alone":
        for rule in list(admin_api.list("/api/v1/rowlevelsecurity/", order="name")):
            admin_api.request("DELETE", f"/api/v1/rowlevelsecurity/{rule['id']}")
        assert not list(admin_api.list("/api/v1/rowlevelsecurity/", order="name"))
    yield request.param
    if request.param == "database-alone":
        superset.apply_rls(admin_api, superset.apply_roles(admin_api))


@pytest.fixture(scope="package")
def base(superset_stack: Settings, rls_mode: str) -> str:
    return superset_stack.superset_url


@pytest.fixture(scope="package")
def role_ids(admin_api: superset.Client) -> dict[str, int]:
    return {row["name"]: row["id"] for row in admin_api.list("/api/v1/security/roles/")}


@pytest.fixture(scope="package")
def ad_hoc_users(superset_stack: Settings, admin_api: superset.Client, role_ids: dict[str, int]) -> Iterator[None]:
    """The two ad-hoc users, created (or reset) for this package and removed after it."""
    ids = {}
    for username, user in AD_HOC_USERS.items():
        body = {
            "first_name": "Test",
            "last_name": username,
            "email": f"{username}@test.invalid",
            "active": True,
            "password": user["password"],
            "roles": [role_ids[role] for role in user["roles"]],
        }
        found = list(admin_api.list("/api/v1/security/users/", [("username", "eq", username)]))
        if found:  # left over from an interrupted run
            user_id = found[0]["id"]
            admin_api.request("PUT", f"/api/v1/security/users/{user_id}", json=body)
        else:
            user_id = admin_api.request("POST", "/api/v1/security/users/", json={"username": username, **body})["id"]
        ids[username] = user_id
    superset.apply_database_access(superset_stack, admin_api)  # the warehouse logins of their scopes
    yield
    for user_id in ids.values():
        admin_api.request("DELETE", f"/api/v1/security/users/{user_id}")
    superset.apply_database_access(superset_stack, admin_api)


@pytest.fixture(scope="package")
def sessions(superset_stack: Settings, ad_hoc_users: None, rls_mode: str) -> dict[str, requests.Session]:
    """Every user logged in once, plus the admin control."""
    logged_in = {name: browser_session(superset_stack, name, user["password"]) for name, user in USERS.items()}
    logged_in[CONTROL] = browser_session(superset_stack, superset.ADMIN_USER, superset_stack.superset_admin_password)
    return logged_in


@pytest.fixture(scope="package")
def column_names(admin_api: superset.Client, datasets: dict[str, int]) -> dict[str, dict[str, str]]:
    """Per dataset: the column labels an export uses (verbose names) -> column names."""
    found = {}
    for table, dataset_id in datasets.items():
        columns = admin_api.request("GET", f"/api/v1/dataset/{dataset_id}")["result"]["columns"]
        found[table] = {column["verbose_name"] or column["column_name"]: column["column_name"] for column in columns}
    return found


@pytest.fixture(scope="package")
def dashboards(sessions: dict[str, requests.Session], base: str, datasets: dict[str, int]) -> dict[str, list[Query]]:
    """Per dashboard slug: every chart's saved query and its native filters' options queries."""
    admin, tables = sessions[CONTROL], {dataset_id: name for name, dataset_id in datasets.items()}
    found, filters = {}, set()
    for slug in DASHBOARDS:
        dashboard = admin.get(f"{base}/api/v1/dashboard/{slug}", timeout=30)
        assert dashboard.status_code == 200, f"no dashboard {slug!r}"
        charts = admin.get(f"{base}/api/v1/dashboard/{slug}/charts", timeout=30).json()["result"]
        assert charts, f"dashboard {slug!r} has no charts"
        queries = []
        for chart in charts:
            detail = admin.get(f"{base}/api/v1/chart/{chart['id']}", timeout=30).json()["result"]
            assert detail["query_context"], f"{slug}: chart {chart['slice_name']!r} has no saved query"
            query_context = json.loads(detail["query_context"])
            table = tables[query_context["datasource"]["id"]]
            form_data = json.loads(detail["params"] or "{}")
            queries.append(Query(slug, chart["slice_name"], table, query_context, chart["id"], form_data))
        metadata = json.loads(dashboard.json()["result"]["json_metadata"] or "{}")
        for native in metadata.get("native_filter_configuration", []):
            for target in native.get("targets", []):
                if "datasetId" not in target or (target["datasetId"], target["column"]["name"]) in filters:
                    continue  # a filter without data (time grain, divider), or asked already
                filters.add((target["datasetId"], target["column"]["name"]))
                query = dataset_query(
                    target["datasetId"],
                    {"columns": [target["column"]["name"]], "metrics": [], "filters": [], "row_limit": 1000},
                    form_data={"type": "NATIVE_FILTER", "native_filter_id": native["id"], "viz_type": "filter_select"},
                )
                queries.append(Query(slug, f"filter {native['name']}", tables[target["datasetId"]], query))
        found[slug] = queries
    return found


@pytest.fixture(scope="package")
def warehouse_counts(superset_stack: Settings) -> dict[str, dict[tuple[Any, ...], int]]:
    """Rows per combination of RLS columns, straight from the marts (the whole truth)."""
    counts = {}
    conn = psycopg2.connect(superset_stack.dsn())
    try:
        with conn.cursor() as cur:
            for table, columns in RLS_COLUMNS.items():
                cur.execute(f"select {', '.join(columns)}, count(*) from marts.{table} group by {', '.join(columns)}")
                counts[table] = {tuple(row[:-1]): row[-1] for row in cur.fetchall()}
    finally:
        conn.close()
    return counts


@pytest.fixture(scope="package")
def chart_results(sessions: dict[str, requests.Session], base: str, dashboards: dict[str, list[Query]]) -> ChartResults:
    return ChartResults(sessions, base, dashboards)


@pytest.fixture(scope="package")
def control(sessions: dict[str, requests.Session]) -> Control:
    return Control(sessions[CONTROL])
