"""The dashboards in a real browser, per role: they render, the maps draw, ticking works.

Chromium comes from Debian (/usr/bin/chromium), driven by Playwright; nothing is downloaded.
All outside hosts resolve to nothing, so Superset's analytics pixel and the PDOK base map
tiles stay unreachable; the polygons must draw without them. A screenshot of every dashboard
as every role lands in .local/screenshots/<dashboard>-<user>.png.
"""

from __future__ import annotations

import contextlib
import json
import re
import struct
import time
import zlib
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
import yaml

from straatkubus.bench import drawtime, map_query_context
from straatkubus.bench.drawtime import CHROMIUM, CHROMIUM_ARGS
from straatkubus.settings import MUNICIPALITIES, REPO, Settings

pytestmark = pytest.mark.stack

SCREENSHOTS = REPO / ".local" / "screenshots"
PC6 = re.compile(r"\b\d{4}\s?[A-Z]{2}\b")
DEMO_USERS = {
    user["username"]: user for user in yaml.safe_load((REPO / "superset" / "demo_users.yaml").read_text())["users"]
}
# dashboard slug -> its map chart (None: no map)
DASHBOARDS = {
    "straatkubus-kaart": "Kaart: signalen per gebied",
    "regio-parkstad": "Kaart wijken Parkstad: index",
    "trends": None,
    "indicatoren": None,
}
# user -> municipality codes whose PC6 postcodes they may see (None: none, wijk level and up)
BROWSER_USERS = {
    "heerlen": {"GM0917"},
    "heerlen-wijkteam": {"GM0917"},
    "brunssum-landgraaf": {"GM0899", "GM0882"},
    "regio-analist": None,
}

# The deck.gl canvas has drawn when it has a size and holds pixels that are not blank.
# Its WebGL context keeps no drawing buffer, so the canvas is copied onto a 2D canvas first
# (drawImage right after a frame; retried until it has content). `digest` sums the pixels,
# to tell two drawings apart.
CANVAS_PAINTED = """
(chartName) => {
  const holder = [...document.querySelectorAll('.dashboard-component-chart-holder')]
    .find((el) => el.innerText.includes(chartName));
  if (!holder) return {found: false};
  const canvas = holder.querySelector('canvas');
  if (!canvas) return {found: true, canvas: false};
  const box = canvas.getBoundingClientRect();
  const copy = document.createElement('canvas');
  copy.width = canvas.width; copy.height = canvas.height;
  const ctx = copy.getContext('2d');
  ctx.drawImage(canvas, 0, 0);
  const data = ctx.getImageData(0, 0, copy.width, copy.height).data;
  let painted = 0, digest = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0) painted++;
    digest = (digest * 31 + data[i] + data[i + 1] * 7 + data[i + 2] * 13) % 1000000007;
  }
  return {found: true, canvas: true, width: box.width, height: box.height, painted, digest};
}
"""
ERROR_PANELS = ".ant-alert-error, [data-test='error-tooltip'], .error-alert"
# Superset's dashboard page stores the label colours it computed (PUT .../colors); only a
# dashboard's owner may, so for viewers that request fails with 403 and the page logs an
# uncaught "Response". Harmless, and the only failure a viewer's page may show.
OWNER_ONLY = re.compile(r"/api/v1/dashboard/\d+/colors")


def pc6_codes(settings: Settings, municipalities: set[str], mart: str = "fct_area_signals") -> set[str]:
    """PC6 postcodes of the municipalities (in fct_border_zone_pc6: of their border zones)."""
    column = "viewer_municipality_code" if mart == "fct_border_zone_pc6" else "municipality_code"
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn.cursor() as cur:
            cur.execute(
                f"select distinct area_code from marts.{mart} where area_level = 'pc6' and {column} = any(%s)",
                (sorted(municipalities),),
            )
            return {code for (code,) in cur.fetchall()}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def log_in(page, base: str, username: str) -> None:
    """Log in through the login form."""
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", DEMO_USERS[username]["password"])
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r".*/superset/welcome/.*"), timeout=120_000)


def open_dashboard(page, base: str, slug: str) -> None:
    """Open a dashboard and wait until every chart has finished loading."""
    page.goto(f"{base}/superset/dashboard/{slug}/")
    page.wait_for_selector(".dashboard-component-chart-holder, .dashboard-markdown", timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=90_000)
    page.wait_for_function("() => document.querySelectorAll('.loading').length === 0", timeout=90_000)


def wait_for_map(page, chart: str) -> dict[str, Any]:
    page.wait_for_function(
        f"(name) => {{ const r = ({CANVAS_PAINTED})(name);"
        " return r.canvas && r.width > 0 && r.height > 0 && r.painted > 0; }",
        arg=chart,
        timeout=60_000,
        polling=500,
    )
    return page.evaluate(CANVAS_PAINTED, chart)


@pytest.mark.parametrize("username", sorted(BROWSER_USERS))
def test_every_dashboard_renders_for_every_role(superset_stack: Settings, browser, username: str) -> None:
    """Each dashboard opens without error panels, its map draws where the role has rows on
    it, and no postcode of another municipality appears on the page."""
    base = superset_stack.superset_url
    municipalities = BROWSER_USERS[username]
    own = pc6_codes(superset_stack, municipalities) if municipalities else set()
    border = pc6_codes(superset_stack, municipalities, "fct_border_zone_pc6") if municipalities else set()
    everywhere = pc6_codes(superset_stack, {"GM1954", "GM0899", "GM0917", "GM0928", "GM0882", "GM0965", "GM0986"})
    assert everywhere - own, "the warehouse lacks postcodes outside the user's municipalities"
    page = browser.new_page(viewport={"width": 1500, "height": 1400})
    errors: list[str] = []
    failed: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        log_in(page, base, username)
        for slug, map_chart in DASHBOARDS.items():
            try:
                open_dashboard(page, base, slug)
                panels = page.eval_on_selector_all(ERROR_PANELS, "els => els.map((e) => e.innerText)")
                assert not panels, f"{username} on {slug}: error panels {panels}"
                if map_chart:
                    state = wait_for_map(page, map_chart)
                    assert state["width"] > 100 and state["height"] > 100, (slug, state)
                shown = {code.replace(" ", "") for code in PC6.findall(page.inner_text("body"))}
                # the Regio dashboard's grenszone shows the neighbours' postcodes near the border
                foreign = shown & (everywhere - own - (border if slug == "regio-parkstad" else set()))
                assert not foreign, f"{username} on {slug}: foreign postcodes {sorted(foreign)[:5]}"
            finally:
                with contextlib.suppress(Exception):  # a screenshot also when the test fails
                    page.screenshot(path=str(SCREENSHOTS / f"{slug}-{username}.png"), full_page=True)
        unexpected = [failure for failure in failed if not (failure.startswith("403 ") and OWNER_ONLY.search(failure))]
        assert not unexpected, unexpected
        owner_only = len(failed) - len(unexpected)
        assert all(error == "Response" for error in errors) and len(errors) <= owner_only, errors
    finally:
        page.close()


NO_RESULTS = re.compile(r"geen resultaten|no results", re.IGNORECASE)
OWN_SERIES = "Eigen gemeente"  # the series that marks the viewer's own municipality
LEGEND_RANGE = re.compile(r"^(\d+) - (\d+)$")
DRAW_TIMES = "kaart_draw_times.json"
# The map legend's entries (digits, spaces and dashes only), once it has any.
LEGEND_TEXTS = """
(chartName) => {
  const holder = [...document.querySelectorAll('.dashboard-component-chart-holder')]
    .find((el) => el.innerText.includes(chartName));
  const items = holder ? holder.querySelectorAll('li') : [];
  const texts = Array.from(items, (li) => li.innerText.replace(/[^0-9 -]/g, '').trim());
  return texts.length ? texts : null;
}
"""


@pytest.mark.parametrize("username", sorted(DEMO_USERS))
def test_every_demo_user_opens_every_dashboard_with_data(superset_stack: Settings, browser, username: str) -> None:
    """Every dashboard opens, for every demo user, on a level, area and year the user may see
    and that has data: no chart says "Er zijn geen resultaten". The kaart's legend reads whole
    counts (0 - 0, 1 - 1, ...: one colour per count, no overlapping ranges) that hold every
    count on the map, which shows the user's own municipalities only (all for a role without
    one). On Regio Parkstad the bar chart marks the user's own municipalities and no other.
    The kaart's draw time (navigation to the map drawn with its data) is printed and recorded
    in .local/test/kaart_draw_times.json."""
    base = superset_stack.superset_url
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    context.add_init_script(drawtime.KEEP_DRAWING_BUFFER)
    page = context.new_page()
    counts: list[int] = []
    kaart_municipalities: set[str] = set()
    bars: list[list[dict[str, Any]]] = []

    def record(response) -> None:
        if drawtime.is_map_response(response):
            rows = response.json()["result"][0]["data"]
            counts.extend(row["aantal_signalen"] for row in rows)
            kaart_municipalities.update(row["municipality_name"] for row in rows)
        elif _is_municipality_bar_response(response):
            bars.append(response.json()["result"][0]["data"])

    page.on("response", record)
    try:
        log_in(page, base, username)
        seconds = drawtime.kaart_draw_seconds(page, base)
        _record_draw_time(superset_stack, username, seconds)
        print(f"kaart drawn for {username} in {seconds:.2f} s")
        legend = page.wait_for_function(LEGEND_TEXTS, arg=drawtime.KAART_CHART, timeout=30_000).json_value()
        _assert_whole_count_legend(legend, counts, username)
        own = own_municipality_names(username)
        # the kaart shows the viewer's own municipalities (all for a role without one)
        assert kaart_municipalities == (own or set(MUNICIPALITIES.values())), (username, kaart_municipalities)
        for slug in DASHBOARDS:
            try:
                if slug != drawtime.KAART_SLUG:
                    open_dashboard(page, base, slug)
                else:  # already open: wait for the table and the filters too
                    page.wait_for_load_state("networkidle", timeout=90_000)
                    page.wait_for_function("() => document.querySelectorAll('.loading').length === 0", timeout=90_000)
                empty = NO_RESULTS.findall(page.inner_text("body"))
                assert not empty, f"{username} on {slug}: {len(empty)} chart(s) without results on first open"
                if slug == "regio-parkstad":
                    _assert_own_municipality_marked(bars, own, username)
            finally:
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(SCREENSHOTS / f"first-open-{slug}-{username}.png"), full_page=True)
    finally:
        context.close()


def own_municipality_names(username: str) -> set[str]:
    """The municipalities whose role the demo user holds (README: a user's own municipality)."""
    return {role.removeprefix("Gemeente ") for role in DEMO_USERS[username]["roles"] if role.startswith("Gemeente ")}


def _is_municipality_bar_response(response) -> bool:
    """A successful chart-data answer of Gemeenten ten opzichte van Parkstad (one bar per municipality)."""
    request = response.request
    if "/api/v1/chart/data" not in response.url or request.method != "POST" or not response.ok:
        return False
    form_data = (request.post_data_json or {}).get("form_data", {})
    return form_data.get("viz_type") == "echarts_timeseries_bar" and form_data.get("x_axis") == "municipality_name"


def _assert_own_municipality_marked(bars: list[list[dict[str, Any]]], own: set[str], username: str) -> None:
    """The bar chart holds all seven municipalities, and exactly the user's own have their bar in
    the series Eigen gemeente (none for a user without a municipality)."""
    assert bars, f"{username}: Gemeenten ten opzichte van Parkstad sent no data"
    rows = bars[-1]
    assert {row["municipality_name"] for row in rows} == set(MUNICIPALITIES.values()), (username, rows)
    marked = {row["municipality_name"] for row in rows if row.get(OWN_SERIES) is not None}
    assert marked == own, f"{username}: marked as own municipality {sorted(marked)}, expected {sorted(own)}"


def _assert_whole_count_legend(legend: list[str], counts: list[int], username: str) -> None:
    """The legend's ranges are whole counts from 0, each starting right after the previous one
    (no overlap, no gap), and every count the map received lies in one of them."""
    assert legend, f"{username}: the kaart shows no legend"
    ranges = []
    for text in legend:
        match = LEGEND_RANGE.match(text)
        assert match, f"{username}: legend entry {text!r} is not a range of whole counts ({legend})"
        ranges.append((int(match.group(1)), int(match.group(2))))
    assert ranges[0][0] == 0, f"{username}: the legend does not start at 0 ({legend})"
    for (_, high), (low, next_high) in zip(ranges, ranges[1:], strict=False):
        assert low == high + 1 and low <= next_high, f"{username}: legend ranges overlap or skip ({legend})"
    assert counts, f"{username}: the map received no counts"
    outside = sorted({count for count in counts if not any(low <= count <= high for low, high in ranges)})
    assert not outside, f"{username}: counts {outside} have no colour in the legend ({legend})"


def _record_draw_time(settings: Settings, username: str, seconds: float) -> None:
    path = settings.state_dir / DRAW_TIMES
    times = json.loads(path.read_text()) if path.exists() else {}
    times[username] = round(seconds, 2)
    path.write_text(json.dumps(times, indent=2, sort_keys=True))


def test_ticking_an_indicator_changes_the_map(superset_stack: Settings, browser) -> None:
    """Ticking one more indicator in the Indicatoren filter recounts and redraws the map; the
    counts the map receives are the warehouse's signals for the ticked indicators."""
    base, chart = superset_stack.superset_url, DASHBOARDS["straatkubus-kaart"]
    page = browser.new_page(viewport={"width": 1500, "height": 1400})
    maps: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []

    def record_map(response) -> None:
        request = response.request
        if "/api/v1/chart/data" in response.url and request.method == "POST":
            body = request.post_data_json
            if body.get("form_data", {}).get("viz_type") == "deck_polygon" and response.ok:
                maps.append((body["queries"][0], response.json()["result"][0]["data"]))

    page.on("response", record_map)
    try:
        log_in(page, base, "heerlen")
        open_dashboard(page, base, "straatkubus-kaart")
        before = wait_for_map(page, chart)
        assert maps, "the map sent no chart data request"
        # the benchmark times the chart's saved query: it must ask what the dashboard asks
        saved = map_query_context(lambda uuid: {"id": 0, "datasource_id": 0})["queries"][0]
        assert maps[0][0]["columns"] == saved["columns"]
        assert maps[0][0]["metrics"] == saved["metrics"]
        ticked = _ticked(maps[-1][0])
        extra = "% eenpersoonshuishoudens"
        assert extra not in ticked

        item = page.locator(".ant-form-item").filter(has_text="Indicatoren").first
        item.locator(".ant-select-selector").click()
        page.keyboard.type(extra)
        page.wait_for_timeout(1_000)
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        requests_before = len(maps)
        page.click('[data-test="filter-bar__apply-button"]')
        deadline = time.monotonic() + 60
        while len(maps) == requests_before and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        assert len(maps) > requests_before, "applying the filter sent no new map request"
        query, rows = maps[-1]
        assert _ticked(query) == ticked | {extra}
        page.wait_for_timeout(2_000)  # let deck.gl draw the new data
        after = page.evaluate(CANVAS_PAINTED, chart)

        for sent, received in maps[-1:] + maps[:1]:
            expected = _warehouse_signals(superset_stack, sent)
            assert {row["municipality_name"] for row in received} == {"Heerlen"}  # its own areas only
            assert {row["area_name"]: row["aantal_signalen"] for row in received} == expected
        assert sum(row["aantal_signalen"] for row in rows) > sum(row["aantal_signalen"] for row in maps[0][1])
        assert after["digest"] != before["digest"], "the map did not redraw"
        page.screenshot(path=str(SCREENSHOTS / "straatkubus-kaart-heerlen-ticked.png"), full_page=True)
    finally:
        page.close()


def _ticked(query: dict[str, Any]) -> set[str]:
    return {value for f in query["filters"] if f["col"] == "indicator_name" for value in f["val"]}


def _warehouse_signals(settings: Settings, query: dict[str, Any]) -> dict[str, int]:
    """Signals per Heerlen area for the query's year, level and ticked indicators, read from
    the mart directly (areas with no row for them are absent)."""
    filters = {f["col"]: f.get("val") for f in query["filters"]}
    year = filters["period_year"][0] if isinstance(filters["period_year"], list) else filters["period_year"]
    level = filters["area_level"][0] if isinstance(filters["area_level"], list) else filters["area_level"]
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select area_name, sum(is_signal) from marts.fct_area_signals"
                " where municipality_code = 'GM0917' and period_month is null and period_year = %s"
                " and area_level = %s and indicator_name = any(%s) and area_geojson is not null"
                " group by area_name",
                (year, level, sorted(_ticked(query))),
            )
            return {code: int(count) for code, count in cur.fetchall()}
    finally:
        conn.close()


def tile_png() -> bytes:
    """A plain 256x256 PNG map tile (stands in for PDOK, which is unreachable here)."""
    rows = b"".join(b"\x00" + bytes((150, 200, 150)) * 256 for _ in range(256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_base_map_tiles_come_from_pdok(superset_stack: Settings, browser) -> None:
    """The base map asks PDOK for tiles and the CSP lets them through.

    PDOK is unreachable here, so its answers are served by the test (a plain tile).
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requested: list[str] = []

    def serve_tile(route) -> None:
        requested.append(route.request.url)
        route.fulfill(
            status=200, body=tile_png(), headers={"Content-Type": "image/png", "Access-Control-Allow-Origin": "*"}
        )

    context.route("https://service.pdok.nl/**", serve_tile)
    blocked: list[str] = []
    page = context.new_page()
    page.on(
        "requestfailed",
        lambda request: blocked.append(f"{request.url} {request.failure}") if "pdok" in request.url else None,
    )
    try:
        log_in(page, superset_stack.superset_url, "heerlen")
        page.goto(f"{superset_stack.superset_url}/superset/dashboard/straatkubus-kaart/")
        deadline = time.monotonic() + 60
        while not requested and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        page.wait_for_timeout(1_000)
        assert requested, "the map asked no base map tiles"
        assert all("/brt/achtergrondkaart/" in url for url in requested), requested[:3]
        assert not blocked, blocked[:3]
    finally:
        context.close()
