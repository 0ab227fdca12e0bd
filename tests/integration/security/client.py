"""Superset as a browser and the API see it: logins, the queries users send, the rows that come back."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

import requests

from straatkubus.settings import Settings

from .oracle import DASHBOARDS, RLS_COLUMNS, Access, forbidden

REFUSED = (401, 403, 404)  # not logged in, not allowed, or hidden
REJECTED = (400, 403, 422)  # a query Superset will not run
CSRF_INPUT = re.compile(r'<input[^>]*id="csrf_token"[^>]*>')
COUNT = {"expressionType": "SQL", "sqlExpression": "count(*)", "label": "n"}


def browser_session(settings: Settings, username: str, password: str) -> requests.Session:
    """A session logged in through the login form, sending the CSRF token of a rendered page."""
    session = requests.Session()
    base = settings.superset_url
    token = csrf_token(session.get(f"{base}/login/", timeout=30).text)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, f"login as {username} failed ({response.status_code})"
    assert "login" not in response.headers.get("Location", ""), f"login as {username} was refused"
    # A viewer's pages carry a fresh token; a user who may open nothing keeps the login page's.
    page = session.get(f"{base}/superset/dashboard/{DASHBOARDS[0]}/", timeout=30)
    if page.status_code == 200:
        token = csrf_token(page.text)
    session.headers.update({"X-CSRFToken": token, "Referer": base})
    return session


def csrf_token(html: str) -> str:
    tag = CSRF_INPUT.search(html)
    assert tag, "no csrf_token input on the page"
    return re.search(r'value="([^"]+)"', tag.group(0)).group(1)


# --- queries -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    """One query a dashboard sends: a chart's saved query or a native filter's options."""

    dashboard: str
    name: str
    table: str
    query_context: dict[str, Any]
    chart_id: int | None = None  # None for a native filter
    form_data: dict[str, Any] | None = None  # the chart's saved form data

    def __str__(self) -> str:
        return f"{self.dashboard} / {self.name}"


def with_rls_columns(query: Query) -> dict[str, Any]:
    """The query, also grouped by the RLS columns, its rows as the database returns them."""
    table, changed = query.table, copy.deepcopy(query.query_context)
    changed.update(result_type="full", result_format="json")
    for part in changed["queries"]:
        labels = {column if isinstance(column, str) else column.get("label") for column in part.get("columns", [])}
        part["columns"] = [*part.get("columns", []), *(c for c in RLS_COLUMNS.get(table, ()) if c not in labels)]
        part["post_processing"] = []  # pivots would hide the added columns
    return changed


def dataset_query(dataset_id: int, *queries: dict[str, Any], **context: Any) -> dict[str, Any]:
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": False,
        "queries": list(queries),
        "form_data": {"datasource": f"{dataset_id}__table", "viz_type": "table"},
        "result_type": "full",
        "result_format": "json",
        **context,
    }


def count_query(table: str, filters: list[dict[str, Any]] | None = None, **changes: Any) -> dict[str, Any]:
    """count(*) per combination of the RLS columns: what the user can see, in a few rows."""
    return {
        "columns": list(RLS_COLUMNS[table]),
        "metrics": [COUNT],
        "filters": filters or [],
        "extras": {"where": "", "having": ""},
        "orderby": [],
        "row_limit": 10000,
        "series_limit": 0,
        "time_offsets": [],
        "is_timeseries": False,
        **changes,
    }


def rows_of(response: requests.Response) -> list[dict[str, Any]]:
    return [row for result in response.json()["result"] for row in result["data"]]


def group_counts(rows: list[dict[str, Any]], table: str) -> dict[tuple[Any, ...], int]:
    counts: Counter[tuple[Any, ...]] = Counter()
    for row in rows:
        counts[tuple(row[column] or None for column in RLS_COLUMNS[table])] += int(float(row["n"]))
    return dict(counts)


def csv_rows(response: requests.Response) -> list[dict[str, Any]]:
    text = response.content.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    return list(csv.DictReader(io.StringIO(text), dialect=dialect))


def xlsx_rows(response: requests.Response) -> list[dict[str, Any]]:
    """The first sheet of an .xlsx as dicts (header row as keys); no openpyxl in the test env."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            for item in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", ns):
                shared.append("".join(text.text or "" for text in item.iter(f"{{{ns['m']}}}t")))
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    table = []
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        cells: dict[int, Any] = {}
        for cell in row.findall("m:c", ns):
            letters = re.match(r"[A-Z]+", cell.get("r")).group(0)
            column = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(letters))) - 1
            value = cell.find("m:v", ns)
            inline = cell.find("m:is/m:t", ns)
            if cell.get("t") == "s":
                cells[column] = shared[int(value.text)]
            elif inline is not None:
                cells[column] = inline.text
            else:
                cells[column] = value.text if value is not None else None
        table.append(cells)
    header = table[0]
    return [{header[i]: cells.get(i) for i in header} for cells in table[1:]]


def export_rows(response: requests.Response, result_format: str, names: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of a CSV or xlsx export keyed by column name (exports label columns by verbose name)."""
    rows = csv_rows(response) if result_format == "csv" else xlsx_rows(response)
    return [{names.get(label, label): value for label, value in row.items()} for row in rows]


def refused_or_allowed(response: requests.Response, access: Access, table: str, what: str) -> list[dict[str, Any]]:
    """Assert a data request was refused or returned only allowed rows; those rows."""
    if response.status_code in REFUSED + REJECTED:
        return []
    assert response.status_code == 200, f"{what}: {response.status_code} {response.text[:300]}"
    rows = rows_of(response)
    leaked = forbidden(access, table, rows)
    assert not leaked, f"{what}: {len(leaked)} rows outside the user's rights, e.g. {leaked[0]}"
    return rows


def expected_counts(counts: dict[tuple[Any, ...], int], access: Access, table: str) -> dict[tuple[Any, ...], int]:
    """The warehouse's counts reduced to the groups the oracle allows."""
    columns = RLS_COLUMNS[table]
    return {group: n for group, n in counts.items() if access.allows(table, dict(zip(columns, group, strict=True)))}


class ChartResults:
    """Each user's responses to every dashboard query (with RLS columns), fetched once."""

    def __init__(self, sessions: dict[str, requests.Session], base: str, dashboards: dict[str, list[Query]]):
        self.sessions, self.base, self.dashboards = sessions, base, dashboards
        self.cache: dict[str, list[tuple[Query, requests.Response]]] = {}

    def __getitem__(self, username: str) -> list[tuple[Query, requests.Response]]:
        if username not in self.cache:
            session = self.sessions[username]
            self.cache[username] = [
                (query, session.post(f"{self.base}/api/v1/chart/data", json=with_rls_columns(query), timeout=120))
                for queries in self.dashboards.values()
                for query in queries
            ]
        return self.cache[username]


class Control:
    """The admin control's responses, each request sent once (users share many probes)."""

    def __init__(self, session: requests.Session):
        self.session, self.cache = session, {}

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        key = url + json.dumps(kwargs, sort_keys=True)
        if key not in self.cache:
            self.cache[key] = self.session.post(url, timeout=120, **kwargs)
        return self.cache[key]


def is_empty_list(response: requests.Response) -> bool:
    """A 200 that lists nothing (what a list endpoint answers with its base filter)."""
    try:
        body = response.json()
    except ValueError:
        return False
    return body.get("count") == 0 or (body.get("result") == [] and "count" in body)
