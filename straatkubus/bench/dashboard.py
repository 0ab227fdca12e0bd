"""The dashboard's speed: the map's chart-data latency through Superset's REST API and the
kaart's draw time in Chromium."""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
import yaml

from straatkubus.bench.report import Figure, Progress, against, percentile
from straatkubus.settings import Settings

MAP_CHART_UUID = "8a26731e-5faf-4b24-a775-e2a97ab63268"
MUNICIPALITY_ROLE = "Gemeente Heerlen"
CONCURRENT_USERS = (1, 10, 20)
DRAW_ROUNDS = 2  # kaart openings per user, each in a fresh browser context


def map_query_context(chart_id_lookup: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """The map chart's saved query context with its dataset id filled in."""
    from straatkubus.publish.superset import ASSETS_DIR

    for path in sorted((ASSETS_DIR / "charts").glob("*.yaml")):
        config = yaml.safe_load(path.read_text())
        if config.get("uuid") == MAP_CHART_UUID:
            query_context = json.loads(config["query_context"])
            chart = chart_id_lookup(MAP_CHART_UUID)
            query_context["datasource"]["id"] = chart["datasource_id"]
            query_context["form_data"]["datasource"] = f"{chart['datasource_id']}__table"
            query_context["form_data"]["slice_id"] = chart["id"]
            return query_context
    raise ValueError(f"no chart with uuid {MAP_CHART_UUID} in {ASSETS_DIR / 'charts'}")


def municipality_user() -> dict[str, Any]:
    from straatkubus.publish.superset import SUPERSET_DIR

    users = yaml.safe_load((SUPERSET_DIR / "demo_users.yaml").read_text())["users"]
    return next(user for user in users if MUNICIPALITY_ROLE in user["roles"])


def user_session(settings: Settings, user: dict[str, Any]) -> requests.Session:
    """A REST session as a dashboard user (JWT login; the chart-data endpoint needs no
    CSRF token, and the token endpoint is for admins only)."""
    session = requests.Session()
    response = session.post(f"{settings.superset_url}/api/v1/security/login", timeout=30,
                             json={"username": user["username"], "password": user["password"],
                                   "provider": "db", "refresh": False})
    if response.status_code != 200:
        raise RuntimeError(f"login as {user['username']!r} failed ({response.status_code})")
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    # gunicorn closes a keep-alive connection idle for 2 s: the first request of a session
    # that waits for the others to log in must not find the login's connection reset
    session.close()
    return session


def request_latencies(settings: Settings, user: dict[str, Any], query_context: dict[str, Any],
                      users: int, requests_per_user: int) -> list[float]:
    """`users` threads, each logged in as `user`, each sending the chart-data request
    `requests_per_user` times in a row; every latency in seconds. One login serves them all
    (logins are rate-limited per account), each thread with a connection of its own."""
    token = user_session(settings, user).headers["Authorization"]
    sessions = []
    for _ in range(users):
        sessions.append(requests.Session())
        sessions[-1].headers["Authorization"] = token
    url = f"{settings.superset_url}/api/v1/chart/data"
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def loop(session: requests.Session) -> None:
        for _ in range(requests_per_user):
            started = time.perf_counter()
            response = session.post(url, json=query_context, timeout=120)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status_code != 200 or not response.json()["result"][0]["data"]:
                    failures.append(f"{response.status_code}: {response.text[:200]}")

    threads = [threading.Thread(target=loop, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"chart-data request failed: {failures[0]}")
    return latencies


def dashboard_latency(settings: Settings, progress: Progress,
                      requests_per_user: int) -> list[Figure]:
    from straatkubus.publish import superset

    progress(f"Superset on {settings.superset_url}: map chart-data latency")
    superset.start(settings)
    try:
        superset.deploy(settings)
        admin = superset.admin_client(settings)

        def lookup(uuid: str) -> dict[str, Any]:
            charts = list(admin.list("/api/v1/chart/", [("uuid", "eq", uuid)], order="slice_name"))
            if len(charts) != 1:
                raise RuntimeError(f"expected one chart with uuid {uuid}, found {len(charts)}")
            return charts[0]

        query_context = map_query_context(lookup)
        user = municipality_user()
        figures = []
        for label, force in (("result cache", False), ("no cache", True)):
            context = {**query_context, "force": force}
            superset.clear_result_cache(settings)
            request_latencies(settings, user, context, 1, 1)  # warm up (and fill the cache)
            for users in CONCURRENT_USERS:
                progress(f"  {users} concurrent user(s), {label}")
                latencies = request_latencies(settings, user, context, users, requests_per_user)
                figures.append(Figure(
                    f"map latency, {users} user{'s' if users > 1 else ''}, {label}",
                    f"p50 {percentile(latencies, 0.5) * 1000:,.0f} ms, "
                    f"p95 {percentile(latencies, 0.95) * 1000:,.0f} ms",
                    f"{len(latencies)} requests as {user['username']} "
                    f"({MUNICIPALITY_ROLE}, RLS), mean {statistics.mean(latencies) * 1000:,.0f} ms",
                    against(percentile(latencies, 0.95) * 1000, 300, " ms (p95)")
                    if users == max(CONCURRENT_USERS) and not force else ""))
        figures += kaart_draw_figures(settings, progress, DRAW_ROUNDS)
        return figures
    finally:
        superset.stop(settings)


def kaart_draw_figures(settings: Settings, progress: Progress, rounds: int) -> list[Figure]:
    """The kaart's draw time in Chromium for every demo user and the beheerder (admin)."""
    from straatkubus.bench import drawtime
    from straatkubus.publish.superset import ADMIN_USER, SUPERSET_DIR

    users = yaml.safe_load((SUPERSET_DIR / "demo_users.yaml").read_text())["users"]
    users.append({"username": ADMIN_USER, "password": settings.superset_admin_password})
    progress(f"  kaart draw time in Chromium, {len(users)} users x {rounds}")
    return draw_time_figures(drawtime.draw_times(settings.superset_url, users, rounds), ADMIN_USER)


def draw_time_figures(times: dict[str, list[float]], admin: str) -> list[Figure]:
    """p50/p95 of the draw times of the demo users, and of the beheerder apart."""
    figures = []
    for label, group in (("demo users", [u for u in times if u != admin]), ("beheerder", [admin])):
        seconds = [value for user in group if user in times for value in times[user]]
        if not seconds:
            continue
        slowest = max(group, key=lambda user: max(times.get(user, [0.0])))
        figures.append(Figure(
            f"kaart draw time, {label}",
            f"p50 {percentile(seconds, 0.5):,.1f} s, p95 {percentile(seconds, 0.95):,.1f} s",
            f"{len(seconds)} openings by {len(group)} user{'s' if len(group) > 1 else ''} in Chromium, "
            f"navigation to the map drawn with its data; slowest {slowest} "
            f"{max(times[slowest]):,.1f} s",
            against(percentile(seconds, 0.95), 3, " s (p95)") if label == "demo users" else ""))
    return figures
