"""What the web server keeps between requests for speed does not outlive what it stands for:
permissions are cached per set of roles, so a user's new roles count at the next request; the
action log is written in batches, and every chart request still reaches it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest

from straatkubus.bench import map_query_context, municipality_user
from straatkubus.publish import superset
from straatkubus.settings import Settings

from ..client import REFUSED, browser_session
from ..oracle import DASHBOARDS

pytestmark = pytest.mark.stack

USERNAME, PASSWORD = "test-rollenwissel", "rollenwissel-test"


def user_body(roles: list[int]) -> dict[str, Any]:
    return {"first_name": "Test", "last_name": USERNAME, "email": f"{USERNAME}@test.invalid",
            "active": True, "password": PASSWORD, "roles": roles}  # fmt: skip


@pytest.fixture
def role_ids(admin_api: superset.Client) -> dict[str, int]:
    return {row["name"]: row["id"] for row in admin_api.list("/api/v1/security/roles/")}


@pytest.fixture
def changing_user(admin_api: superset.Client, role_ids: dict[str, int]) -> Iterator[int]:
    """A user holding a municipality but no function (created, or reset when left over)."""
    body = user_body([role_ids["Gemeente Heerlen"]])
    found = list(admin_api.list("/api/v1/security/users/", [("username", "eq", USERNAME)]))
    if found:
        user_id = found[0]["id"]
        admin_api.request("PUT", f"/api/v1/security/users/{user_id}", json=body)
    else:
        user_id = admin_api.request("POST", "/api/v1/security/users/", json={"username": USERNAME, **body})["id"]
    yield user_id
    admin_api.request("DELETE", f"/api/v1/security/users/{user_id}")


def test_new_roles_count_at_the_next_request(
    superset_stack: Settings, admin_api: superset.Client, role_ids: dict[str, int], changing_user: int
) -> None:
    """A function role given opens the dashboard at the next request, and taken away closes it
    again: the permission cache of every web server process is keyed by the user's roles."""
    session = browser_session(superset_stack, USERNAME, PASSWORD)
    charts = f"{superset_stack.superset_url}/api/v1/dashboard/{DASHBOARDS[0]}/charts"
    municipality, function = role_ids["Gemeente Heerlen"], role_ids["Beleidsmedewerker"]
    for roles, opens in (([municipality], False), ([municipality, function], True), ([municipality], False)):
        admin_api.request("PUT", f"/api/v1/security/users/{changing_user}", json=user_body(roles))
        for _ in range(4):  # more requests than web server processes: each must agree
            status = session.get(charts, timeout=30).status_code
            assert (status == 200) if opens else (status in REFUSED), f"roles {roles}: {status}"


def logged_chart_requests(settings: Settings, user_id: int) -> int:
    connection = psycopg2.connect(settings.dsn(database=settings.superset_database))
    try:
        with connection.cursor() as cursor:
            cursor.execute("select count(*) from logs where user_id = %s and action = 'ChartDataRestApi.data'",
                           (user_id,))  # fmt: skip
            return cursor.fetchone()[0]
    finally:
        connection.close()


def test_every_chart_request_reaches_the_action_log(superset_stack: Settings, admin_api: superset.Client) -> None:
    """A municipal user's map requests are each one row of the action log, with the user, within
    a few seconds of the answer (BatchedDBEventLogger writes once a second per process)."""
    user = municipality_user()
    user_id = next(iter(admin_api.list("/api/v1/security/users/", [("username", "eq", user["username"])])))["id"]
    query_context = map_query_context(
        lambda uuid: next(iter(admin_api.list("/api/v1/chart/", [("uuid", "eq", uuid)], order="slice_name")))
    )
    session = browser_session(superset_stack, user["username"], user["password"])
    before, sent = logged_chart_requests(superset_stack, user_id), 6
    for _ in range(sent):
        response = session.post(f"{superset_stack.superset_url}/api/v1/chart/data", json=query_context, timeout=120)
        assert response.status_code == 200, response.text[:300]
    deadline = time.monotonic() + 10
    while logged_chart_requests(superset_stack, user_id) < before + sent and time.monotonic() < deadline:
        time.sleep(0.5)
    assert logged_chart_requests(superset_stack, user_id) == before + sent
