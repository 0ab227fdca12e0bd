"""Nothing outside a user's municipality and sensitivity tiers ever leaves the deployed Superset.

Every demo user of superset/demo_users.yaml and two ad-hoc users (a function role without a
municipality role, a municipality role without a function role) log in once, like a browser
(login form, session cookie, the page's CSRF token), and then try every way to data they may
know of: the dashboards' charts and filters, altered queries, samples, drill-to-detail, CSV and
Excel export, SQL Lab, dataset and database metadata, another user's permalink or filter state.

Every row that comes back is checked against the oracle `Access` below, written from issue 5's
security design (role name -> municipality code / sensitivity tiers), never read from
superset/rls.yaml: the test must not depend on what it checks. The data requests ask for the
row-level security columns as extra group-by so each row can be judged. Controls (the admin, a
beleidsmedewerker of another municipality) send the same requests and do get rows outside the
user's rights, so every check can fail. Users send the same requests one after another, so a
result cache that served one user's rows to another would show here too.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

import psycopg2
import pytest
import requests
import yaml

from straatkubus.publish import superset
from straatkubus.settings import REPO, Settings

pytestmark = pytest.mark.stack

# --- the oracle: what each role may ever receive (the README's access model, not rls.yaml) -------
MUNICIPALITY_ROLES = {
    "Gemeente Beekdaelen": "GM1954",
    "Gemeente Brunssum": "GM0899",
    "Gemeente Heerlen": "GM0917",
    "Gemeente Kerkrade": "GM0928",
    "Gemeente Landgraaf": "GM0882",
    "Gemeente Simpelveld": "GM0965",
    "Gemeente Voerendaal": "GM0986",
}
ALL_TIERS = frozenset({"openbaar", "intern", "vertrouwelijk"})
NOT_CONFIDENTIAL = frozenset({"openbaar", "intern"})
FUNCTION_TIERS = {
    "Beleidsmedewerker": ALL_TIERS,
    "Gebiedsmanager": ALL_TIERS,
    "Wijkteam": NOT_CONFIDENTIAL,
    "Regio-analist": NOT_CONFIDENTIAL,
}
EXPORT_ROLES = frozenset({"Beleidsmedewerker", "Regio-analist"})
REGIO_ANALIST = "Regio-analist"
REGIO_ANALIST_LEVELS = frozenset({"wijk", "gemeente", "regio"})
# Every municipal role compares across borders: openbaar figures of all municipalities here.
ACROSS_BORDERS_LEVELS = frozenset({"wijk", "gemeente", "regio"})
ADMIN = "Admin"

SIGNALS, BORDER, CATALOGUE = "fct_area_signals", "fct_border_zone_pc6", "dim_indicators"
RLS_COLUMNS = {
    SIGNALS: ("municipality_code", "area_level", "sensitivity_tier"),
    BORDER: ("viewer_municipality_code", "sensitivity_tier"),
}
DASHBOARDS = ("straatkubus-kaart", "regio-parkstad", "trends", "indicatoren")

# The demo users the design asks for, with their roles.
SPEC_USERS = {
    **{role.removeprefix("Gemeente ").lower(): {"Beleidsmedewerker", role} for role in MUNICIPALITY_ROLES},
    "heerlen-gebiedsmanager": {"Gebiedsmanager", "Gemeente Heerlen"},
    "heerlen-wijkteam": {"Wijkteam", "Gemeente Heerlen"},
    "kerkrade-wijkteam": {"Wijkteam", "Gemeente Kerkrade"},
    "brunssum-landgraaf": {"Beleidsmedewerker", "Gemeente Brunssum", "Gemeente Landgraaf"},
    "regio-analist": {"Regio-analist"},
}


@dataclass(frozen=True)
class Access:
    """What a user with these roles may receive."""

    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def municipalities(self) -> frozenset[str]:
        return frozenset(MUNICIPALITY_ROLES[role] for role in self.roles if role in MUNICIPALITY_ROLES)

    @property
    def tiers(self) -> frozenset[str]:
        return frozenset().union(*(FUNCTION_TIERS.get(role, frozenset()) for role in self.roles))

    @property
    def has_function(self) -> bool:
        return self.is_admin or bool(self.roles & FUNCTION_TIERS.keys())

    @property
    def can_export(self) -> bool:
        return self.is_admin or bool(self.roles & EXPORT_ROLES)

    def allows(self, table: str, row: dict[str, Any]) -> bool:
        """May this user see this row of this dataset?"""
        if self.is_admin:
            return True
        if table == CATALOGUE:
            return self.has_function  # the catalogue is metadata: all of it for every viewer
        if table not in RLS_COLUMNS:
            return False  # a dataset the design does not publish
        tier = row["sensitivity_tier"]
        if tier not in self.tiers:
            return False
        if table == BORDER:
            return row["viewer_municipality_code"] in self.municipalities
        level, code = row["area_level"], row["municipality_code"] or None
        if self.municipalities and (code in self.municipalities or level == "regio"):
            return True
        if self.municipalities and level in ACROSS_BORDERS_LEVELS and tier == "openbaar":
            return True  # openbaar figures of every municipality, as CBS publishes them
        return REGIO_ANALIST in self.roles and level in REGIO_ANALIST_LEVELS and tier in NOT_CONFIDENTIAL

    def outside(self, table: str) -> list[list[dict[str, Any]]]:
        """Filter sets that each select only rows this user may not see (a leak shows at once)."""
        if self.is_admin or (table == CATALOGUE and self.has_function):
            return []
        if table == CATALOGUE or not self.tiers:
            return [[]]
        if table == BORDER:
            codes = sorted(self.municipalities)
            return [[{"col": "viewer_municipality_code", "op": "NOT IN", "val": codes}]] if codes else [[]]
        probes = []
        if self.tiers != ALL_TIERS:
            probes.append([{"col": "sensitivity_tier", "op": "NOT IN", "val": sorted(self.tiers)}])
        if self.municipalities:  # NOT IN also drops regio rows (null municipality), which they may see
            others = {"col": "municipality_code", "op": "NOT IN", "val": sorted(self.municipalities)}
            probes.append([others, {"col": "sensitivity_tier", "op": "NOT IN", "val": ["openbaar"]}])
            probes.append([others, {"col": "area_level", "op": "NOT IN", "val": sorted(ACROSS_BORDERS_LEVELS)}])
        elif REGIO_ANALIST in self.roles:
            probes.append([{"col": "area_level", "op": "NOT IN", "val": sorted(REGIO_ANALIST_LEVELS)}])
        else:
            probes.append([])
        return probes


def forbidden(access: Access, table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows `access` does not allow; every row must carry the dataset's RLS columns."""
    for row in rows:
        missing = [column for column in RLS_COLUMNS.get(table, ()) if column not in row]
        assert not missing, f"a {table} row without {missing} cannot be checked: {row}"
    return [row for row in rows if not access.allows(table, row)]


# --- users -------------------------------------------------------------------------------------
DEMO_USERS = {
    user["username"]: user for user in yaml.safe_load((REPO / "superset" / "demo_users.yaml").read_text())["users"]
}
AD_HOC_USERS = {
    "test-zonder-gemeente": {"password": "zonder-gemeente-test", "roles": ["Beleidsmedewerker"]},
    "test-zonder-functie": {"password": "zonder-functie-test", "roles": ["Gemeente Heerlen"]},
}
USERS = {**DEMO_USERS, **AD_HOC_USERS}
ACCESS = {name: Access(frozenset(user["roles"])) for name, user in USERS.items()}
VIEWERS = sorted(name for name, access in ACCESS.items() if not access.is_admin)
CONTROL = "admin"  # Superset's own admin account (Admin role), the control that sees everything

REFUSED = (401, 403, 404)  # not logged in, not allowed, or hidden
REJECTED = (400, 403, 422)  # a query Superset will not run
CSRF_INPUT = re.compile(r'<input[^>]*id="csrf_token"[^>]*>')
COUNT = {"expressionType": "SQL", "sqlExpression": "count(*)", "label": "n"}


def browser_session(settings: Settings, username: str, password: str) -> requests.Session:
    """A session logged in through the login form, sending the CSRF token of a rendered page."""
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
    assert "login" not in response.headers.get("Location", ""), f"login as {username} was refused"
    # A viewer's pages carry a fresh token; a user who may open nothing keeps the login page's.
    page = session.get(f"{base}/superset/dashboard/{DASHBOARDS[0]}/", timeout=30)
    if page.status_code == 200:
        token = _csrf_token(page.text)
    session.headers.update({"X-CSRFToken": token, "Referer": base})
    return session


def _csrf_token(html: str) -> str:
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


# --- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def admin_api(superset_stack: Settings) -> superset.Client:
    return superset.admin_client(superset_stack)


@pytest.fixture(scope="module", params=["superset-and-database", "database-alone"])
def rls_mode(request, admin_api: superset.Client) -> Iterator[str]:
    """The whole module runs twice: with Superset's RLS rules, and with every rule deleted, so
    that PostgreSQL's own policies alone must keep each user to their rows (and the result
    cache, keyed by login, must not hand one user's rows to another)."""
    if request.param == "database-alone":
        for rule in list(admin_api.list("/api/v1/rowlevelsecurity/", order="name")):
            admin_api.request("DELETE", f"/api/v1/rowlevelsecurity/{rule['id']}")
        assert not list(admin_api.list("/api/v1/rowlevelsecurity/", order="name"))
    yield request.param
    if request.param == "database-alone":
        superset.apply_rls(admin_api, superset.apply_roles(admin_api))


@pytest.fixture(scope="module")
def base(superset_stack: Settings, rls_mode: str) -> str:
    return superset_stack.superset_url


@pytest.fixture(scope="module")
def role_ids(admin_api: superset.Client) -> dict[str, int]:
    return {row["name"]: row["id"] for row in admin_api.list("/api/v1/security/roles/")}


@pytest.fixture(scope="module")
def ad_hoc_users(superset_stack: Settings, admin_api: superset.Client, role_ids: dict[str, int]) -> Iterator[None]:
    """The two ad-hoc users, created (or reset) for this module and removed after it."""
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


@pytest.fixture(scope="module")
def sessions(superset_stack: Settings, ad_hoc_users: None, rls_mode: str) -> dict[str, requests.Session]:
    """Every user logged in once, plus the admin control."""
    logged_in = {name: browser_session(superset_stack, name, user["password"]) for name, user in USERS.items()}
    logged_in[CONTROL] = browser_session(superset_stack, superset.ADMIN_USER, superset_stack.superset_admin_password)
    return logged_in


@pytest.fixture(scope="module")
def datasets(admin_api: superset.Client) -> dict[str, int]:
    """Every dataset in Superset: table name -> id."""
    rows = list(admin_api.list("/api/v1/dataset/", order="table_name"))
    found = {row["table_name"]: row["id"] for row in rows}
    assert {SIGNALS, BORDER, CATALOGUE} <= found.keys(), f"datasets: {sorted(found)}"
    return found


@pytest.fixture(scope="module")
def column_names(admin_api: superset.Client, datasets: dict[str, int]) -> dict[str, dict[str, str]]:
    """Per dataset: the column labels an export uses (verbose names) -> column names."""
    found = {}
    for table, dataset_id in datasets.items():
        columns = admin_api.request("GET", f"/api/v1/dataset/{dataset_id}")["result"]["columns"]
        found[table] = {column["verbose_name"] or column["column_name"]: column["column_name"] for column in columns}
    return found


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
def chart_results(sessions: dict[str, requests.Session], base: str, dashboards: dict[str, list[Query]]) -> ChartResults:
    return ChartResults(sessions, base, dashboards)


class Control:
    """The admin control's responses, each request sent once (users share many probes)."""

    def __init__(self, session: requests.Session):
        self.session, self.cache = session, {}

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        key = url + json.dumps(kwargs, sort_keys=True)
        if key not in self.cache:
            self.cache[key] = self.session.post(url, timeout=120, **kwargs)
        return self.cache[key]


@pytest.fixture(scope="module")
def control(sessions: dict[str, requests.Session]) -> Control:
    return Control(sessions[CONTROL])


def other_beleidsmedewerker(access: Access) -> str:
    """A demo beleidsmedewerker of a municipality this user does not hold."""
    return next(
        name
        for name in sorted(DEMO_USERS)
        if "Beleidsmedewerker" in ACCESS[name].roles
        and not ACCESS[name].is_admin
        and ACCESS[name].municipalities
        and not ACCESS[name].municipalities & access.municipalities
    )


# --- 1. the dashboards' own queries ----------------------------------------------------------------
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
    charts = [(query, response) for query, response in chart_results[username]
              if query.dashboard == "regio-parkstad" and query.name in COMPARING_CHARTS]
    assert {query.name for query, _ in charts} == set(COMPARING_CHARTS)
    for query, response in charts:
        assert response.status_code == 200, (query.name, response.text[:300])
        codes = {row["municipality_code"] for row in rows_of(response)}
        assert codes >= set(MUNICIPALITY_ROLES.values()), f"{username} on {query.name}: {sorted(codes)}"


# --- 2. altered queries ------------------------------------------------------------------------
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


# --- 3. samples and drill-to-detail -------------------------------------------------------------
SAMPLE_ROWS = 50


def sample_requests(base: str, dataset_id: int, filters: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """(endpoint, url, request kwargs) of every way to a dataset's raw rows."""
    query = {"columns": [], "metrics": [], "filters": filters, "row_limit": SAMPLE_ROWS, "orderby": []}
    params = {"datasource_type": "table", "datasource_id": dataset_id, "per_page": SAMPLE_ROWS}
    return [
        *(
            (
                f"chart data {kind}",
                f"{base}/api/v1/chart/data",
                {"json": dataset_query(dataset_id, query, result_type=kind)},
            )
            for kind in ("samples", "drill_detail")
        ),
        ("datasource samples", f"{base}/datasource/samples", {"params": params, "json": {"filters": filters}}),
    ]


def sample_rows(endpoint: str, response: requests.Response) -> list[dict[str, Any]]:
    return response.json()["result"]["data"] if endpoint == "datasource samples" else rows_of(response)


@pytest.mark.parametrize("username", VIEWERS)
def test_samples_and_drill_to_detail_return_only_allowed_rows(
    username: str,
    sessions: dict[str, requests.Session],
    control: Control,
    base: str,
    datasets: dict[str, int],
    warehouse_counts: dict[str, dict[tuple[Any, ...], int]],
) -> None:
    """Raw rows (result types samples / drill_detail, /datasource/samples): refused or allowed only.

    Asked for the whole dataset and with filters that select only what the user may not see;
    from the latter the admin gets rows outside the user's rights.
    """
    access = ACCESS[username]
    for table in (*RLS_COLUMNS, CATALOGUE):
        outside = access.outside(table)
        for filters in [[], *(probe for probe in outside if probe)]:
            for endpoint, url, kwargs in sample_requests(base, datasets[table], filters):
                what = f"{username}: {endpoint} of {table} with {filters}"
                response = sessions[username].post(url, timeout=120, **kwargs)
                if response.status_code not in REFUSED + REJECTED:
                    assert response.status_code == 200, f"{what}: {response.status_code} {response.text[:300]}"
                    leaked = forbidden(access, table, sample_rows(endpoint, response))
                    assert not leaked, f"{what}: {len(leaked)} rows outside their rights, e.g. {leaked[0]}"
                    if endpoint == "datasource samples" and not filters and table in RLS_COLUMNS:
                        total = sum(expected_counts(warehouse_counts[table], access, table).values())
                        assert response.json()["result"]["total_count"] == total, what
                if filters in outside:
                    checked = control.post(url, **kwargs)
                    assert checked.status_code == 200, f"control {endpoint}: {checked.text[:300]}"
                    assert forbidden(access, table, sample_rows(endpoint, checked)), f"control gets nothing for {what}"


# --- 4. CSV and Excel export ---------------------------------------------------------------------
@pytest.mark.parametrize("username", VIEWERS)
def test_export_only_for_export_roles_and_only_allowed_rows(
    username: str,
    sessions: dict[str, requests.Session],
    control: Control,
    base: str,
    dashboards: dict[str, list[Query]],
    datasets: dict[str, int],
    column_names: dict[str, dict[str, str]],
    warehouse_counts: dict[str, dict[tuple[Any, ...], int]],
) -> None:
    """CSV/xlsx: 403 without the export permission; otherwise exactly the allowed rows."""
    session, access = sessions[username], ACCESS[username]
    for table in RLS_COLUMNS:
        expected = expected_counts(warehouse_counts[table], access, table)
        outside = access.outside(table)
        for filters in [[], *(probe for probe in outside if probe)]:
            for result_format in ("csv", "xlsx") if not filters else ("csv",):
                query_context = dataset_query(datasets[table], count_query(table, filters), result_format=result_format)
                what = f"{username}: {result_format} of {table} with {filters}"
                response = session.post(f"{base}/api/v1/chart/data", json=query_context, timeout=120)
                if not access.can_export:
                    assert response.status_code == 403, f"{what}: {response.status_code}"
                    # The browser's export is a form post: refused the same way.
                    form = session.post(
                        f"{base}/api/v1/chart/data", data={"form_data": json.dumps(query_context)}, timeout=120
                    )
                    assert form.status_code == 403, f"{what} (form post): {form.status_code}"
                    continue
                assert response.status_code == 200, f"{what}: {response.status_code} {response.text[:300]}"
                rows = export_rows(response, result_format, column_names[table])
                leaked = forbidden(access, table, rows)
                assert not leaked, f"{what}: {len(leaked)} rows outside their rights, e.g. {leaked[0]}"
                if not filters:
                    assert group_counts(rows, table) == expected, what
                if filters in outside:
                    checked = control.post(f"{base}/api/v1/chart/data", json=query_context)
                    assert forbidden(access, table, export_rows(checked, result_format, column_names[table])), (
                        f"control gets nothing for {what}"
                    )
    # A saved chart's own export (one chart per dataset).
    charts: dict[str, Query] = {}
    for query in (q for queries in dashboards.values() for q in queries if q.chart_id):
        charts.setdefault(query.table, query)
    for query in charts.values():
        response = session.get(f"{base}/api/v1/chart/{query.chart_id}/data/", params={"format": "csv"}, timeout=120)
        if access.can_export:
            assert response.status_code == 200, f"{username}: csv of {query}: {response.status_code}"
        else:
            assert response.status_code in REFUSED, f"{username}: csv of {query}: {response.status_code}"


# --- 5. SQL Lab, datasets and databases ------------------------------------------------------------
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


def is_empty_list(response: requests.Response) -> bool:
    """A 200 that lists nothing (what a list endpoint answers with its base filter)."""
    try:
        body = response.json()
    except ValueError:
        return False
    return body.get("count") == 0 or (body.get("result") == [] and "count" in body)


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


# --- 6. another municipality's permalink and filter state -----------------------------------------
OWNER, READER = "kerkrade", "heerlen"


def with_data_mask(queries: list[Query], data_mask: dict[str, Any]) -> Iterator[Query]:
    """The dashboard's chart queries with the native filters' state applied, as the browser does."""
    extra = [f for state in data_mask.values() for f in (state.get("extraFormData") or {}).get("filters", [])]
    for query in queries:
        if query.table not in RLS_COLUMNS or not query.chart_id:
            continue
        changed = copy.deepcopy(query.query_context)
        for part in changed["queries"]:
            part["filters"] = [*part.get("filters", []), *extra]
        yield Query(query.dashboard, query.name, query.table, changed, query.chart_id, query.form_data)


@pytest.mark.parametrize("kind", ["permalink", "filter_state"])
def test_another_municipalitys_filter_state_shows_no_foreign_rows(
    kind: str,
    sessions: dict[str, requests.Session],
    base: str,
    dashboards: dict[str, list[Query]],
    datasets: dict[str, int],
) -> None:
    """A Kerkrade user stores a filter state on Kerkrade areas; a Heerlen user opening it sees no Kerkrade rows.

    Nor does the Heerlen user get anything from the cache keys of the Kerkrade user's results.
    """
    owner, reader, slug = sessions[OWNER], sessions[READER], DASHBOARDS[0]
    areas_query = dataset_query(
        datasets[SIGNALS],
        {
            "columns": ["area_code"],
            "metrics": [],
            "row_limit": 50,
            "filters": [{"col": "area_level", "op": "==", "val": "pc6"}],
        },
    )
    response = owner.post(f"{base}/api/v1/chart/data", json=areas_query, timeout=60)
    areas = sorted({row["area_code"] for row in rows_of(response)})
    assert areas, f"{OWNER} sees no areas of their own"
    codes = sorted(ACCESS[OWNER].municipalities)
    data_mask = {
        "NATIVE_FILTER-gebied": {
            "id": "NATIVE_FILTER-gebied",
            "extraFormData": {
                "filters": [
                    {"col": "area_code", "op": "IN", "val": areas},
                    {"col": "municipality_code", "op": "IN", "val": codes},
                ]
            },
            "filterState": {"value": areas},
            "ownState": {},
        }
    }
    dashboard_id = owner.get(f"{base}/api/v1/dashboard/{slug}", timeout=30).json()["result"]["id"]
    if kind == "permalink":
        stored = owner.post(
            f"{base}/api/v1/dashboard/{dashboard_id}/permalink",
            json={"dataMask": data_mask, "activeTabs": [], "urlParams": []},
            timeout=30,
        )
        assert stored.status_code == 201, stored.text[:300]
        fetched = reader.get(f"{base}/api/v1/dashboard/permalink/{stored.json()['key']}", timeout=30)
        if fetched.status_code == 200:
            data_mask = fetched.json()["state"]["dataMask"]
    else:
        stored = owner.post(
            f"{base}/api/v1/dashboard/{dashboard_id}/filter_state", json={"value": json.dumps(data_mask)}, timeout=30
        )
        assert stored.status_code == 201, stored.text[:300]
        fetched = reader.get(f"{base}/api/v1/dashboard/{dashboard_id}/filter_state/{stored.json()['key']}", timeout=30)
        if fetched.status_code == 200:
            data_mask = json.loads(fetched.json()["value"])
    assert fetched.status_code in (200, *REFUSED), fetched.text[:300]

    outside = 0
    for query in with_data_mask(dashboards[slug], data_mask):
        query_context = with_rls_columns(query)
        response = reader.post(f"{base}/api/v1/chart/data", json=query_context, timeout=120)
        refused_or_allowed(response, ACCESS[READER], query.table, f"{READER}: {query} with {OWNER}'s {kind}")
        control = owner.post(f"{base}/api/v1/chart/data", json=query_context, timeout=120)
        outside += len(forbidden(ACCESS[READER], query.table, rows_of(control)))
        for result in control.json()["result"]:
            cached = reader.get(f"{base}/api/v1/chart/data/{result['cache_key']}", timeout=60)
            refused_or_allowed(cached, ACCESS[READER], query.table, f"{READER}: {OWNER}'s cache key of {query}")
    assert outside, f"{OWNER}'s own filter state shows them nothing {READER} may not see: the check proves nothing"


# --- 7. anonymous visitors ---------------------------------------------------------------------
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


# --- 8. the deploy -------------------------------------------------------------------------------
def test_demo_users_have_the_roles_of_the_design(admin_api: superset.Client) -> None:
    """demo_users.yaml and the deployed users hold exactly the role sets the design asks for."""
    in_yaml = {name: set(user["roles"]) for name, user in DEMO_USERS.items()}
    assert in_yaml == SPEC_USERS
    deployed = {
        row["username"]: {role["name"] for role in row["roles"]}
        for row in admin_api.list("/api/v1/security/users/")
        if row["username"] in SPEC_USERS
    }
    assert deployed == SPEC_USERS
