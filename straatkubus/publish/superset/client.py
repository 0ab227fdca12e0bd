"""Superset's REST API as an admin: a logged-in session, list endpoints page by page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from straatkubus.settings import Settings

ADMIN_USER = "admin"


class SupersetError(RuntimeError):
    """Superset could not be started, reached or configured."""


class Client:
    """A logged-in Superset REST session (JWT bearer token plus CSRF token)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        response = self.session.post(
            f"{self.base_url}/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": False},
            timeout=30,
        )
        if response.status_code != 200:
            raise SupersetError(f"login as {username!r} failed ({response.status_code})")
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = self.request("GET", "/api/v1/security/csrf_token/")["result"]
        self.session.headers.update({"X-CSRFToken": csrf, "Referer": self.base_url})

    def request(self, method: str, path: str, expect: tuple[int, ...] = (200, 201), **kwargs: Any) -> dict[str, Any]:
        response = self.session.request(method, f"{self.base_url}{path}", timeout=120, **kwargs)
        if response.status_code not in expect:
            raise SupersetError(f"{method} {path} -> {response.status_code}: {response.text[:800]}")
        return response.json() if response.content else {}

    def list(
        self, path: str, filters: list[tuple[str, str, Any]] | None = None, order: str = "id"
    ) -> Iterator[dict[str, Any]]:
        """All rows of a list endpoint, page by page (Rison `q`, filters as col/opr/value).

        Always ordered (by id unless the endpoint cannot): without an order, pages of FAB
        list endpoints overlap and skip rows.
        """
        page = 0
        while True:
            query: dict[str, Any] = {"page": page, "page_size": 100, "order_column": order, "order_direction": "asc"}
            if filters:
                query["filters"] = [{"col": c, "opr": o, "value": v} for c, o, v in filters]
            body = self.request("GET", path, params={"q": _rison(query)})
            rows = body.get("result", [])
            yield from rows
            if len(rows) < 100:
                return
            page += 1


def _rison(value: Any) -> str:
    """Encode the small subset of Rison that Superset list queries use."""
    if isinstance(value, bool):
        return "!t" if value else "!f"
    if value is None:
        return "!n"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    if isinstance(value, list):
        return "!(" + ",".join(_rison(v) for v in value) + ")"
    if isinstance(value, dict):
        return "(" + ",".join(f"{k}:{_rison(v)}" for k, v in value.items()) + ")"
    raise TypeError(f"cannot encode {value!r} as Rison")


def admin_client(settings: Settings) -> Client:
    """A REST session as the admin user."""
    return Client(settings.superset_url, ADMIN_USER, settings.superset_admin_password)


def password_works(base_url: str, username: str, password: str) -> bool:
    response = requests.post(
        f"{base_url}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db"},
        timeout=30,
    )
    return response.status_code == 200
