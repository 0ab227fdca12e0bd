"""The dashboard in a real browser: the Heerlen user sees the deck.gl map and only Heerlen.

Chromium comes from Debian (/usr/bin/chromium), driven by Playwright; nothing is downloaded.
All outside hosts resolve to nothing, so Superset's analytics pixel and the PDOK base map
tiles stay unreachable; the polygons must draw without them. The screenshot of the Heerlen
dashboard lands in .local/screenshots/dashboard-heerlen.png.
"""

from __future__ import annotations

import contextlib
import re
import struct
import time
import zlib
from collections.abc import Iterator

import psycopg2
import pytest
import yaml

from straatkubus.settings import REPO, Settings

pytestmark = pytest.mark.stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = REPO / ".local" / "screenshots"
DASHBOARD_SLUG = "straatkubus-parkstad"
MAP_CHART = "Kaart PC6: aantal signalen"
TABLE_CHART = "Indicatoren per postcode"
PC6 = re.compile(r"\b\d{4}\s?[A-Z]{2}\b")
DEMO_USERS = {
    user["username"]: user for user in yaml.safe_load((REPO / "superset" / "demo_users.yaml").read_text())["users"]
}

# The deck.gl canvas has drawn when it has a size and holds pixels that are not blank.
# Its WebGL context keeps no drawing buffer, so the canvas is copied onto a 2D canvas first
# (drawImage right after a frame; retried until it has content).
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
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0) painted++;
  }
  return {found: true, canvas: true, width: box.width, height: box.height, painted,
          error: !!holder.querySelector('[role=alert], .ant-alert-error')};
}
"""


def municipality_pc6_codes(settings: Settings, municipality: str) -> set[str]:
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select distinct area_code from marts.fct_area_signals"
                " where area_level = 'pc6' and municipality_code = %s",
                (municipality,),
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


def open_dashboard(page, base: str, username: str) -> None:
    """Log in through the login form and open the dashboard."""
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", DEMO_USERS[username]["password"])
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r".*/superset/welcome/.*"), timeout=30_000)
    page.goto(f"{base}/superset/dashboard/{DASHBOARD_SLUG}/")


def tile_png() -> bytes:
    """A plain 256x256 PNG map tile (stands in for PDOK, which is unreachable here)."""
    rows = b"".join(b"\x00" + bytes((150, 200, 150)) * 256 for _ in range(256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_heerlen_sees_map_and_only_heerlen(superset_stack: Settings, browser) -> None:
    base = superset_stack.superset_url
    heerlen = municipality_pc6_codes(superset_stack, "GM0917")
    # a PC6 on the border may belong to both; only Kerkrade-only postcodes must stay hidden
    kerkrade = municipality_pc6_codes(superset_stack, "GM0928") - heerlen
    assert kerkrade and heerlen, "the warehouse lacks Heerlen or Kerkrade postcodes"

    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_dashboard(page, base, "heerlen")
        page.get_by_text(TABLE_CHART).first.wait_for(timeout=60_000)
        # the table has rendered once a Heerlen postcode shows up
        page.wait_for_function(
            "(codes) => codes.some((code) => document.body.innerText.includes(code))",
            arg=sorted(heerlen),
            timeout=60_000,
        )
        page.wait_for_function(
            f"(name) => {{ const r = ({CANVAS_PAINTED})(name);"
            " return r.canvas && r.width > 0 && r.height > 0 && r.painted > 0; }",
            arg=MAP_CHART,
            timeout=60_000,
            polling=500,
        )
        state = page.evaluate(CANVAS_PAINTED, MAP_CHART)
        assert state["width"] > 100 and state["height"] > 100, state
        assert not state["error"], "the map chart shows an error"
        text = page.inner_text("body")
        assert "Kerkrade" not in text
        shown = {code.replace(" ", "") for code in PC6.findall(text)}
        assert shown, "no postcodes on the page"
        assert not shown & kerkrade, f"Kerkrade postcodes visible: {sorted(shown & kerkrade)[:5]}"
        assert shown <= heerlen, f"postcodes outside Heerlen: {sorted(shown - heerlen)[:5]}"
        assert not errors, errors
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):  # a screenshot also when the test fails
            page.screenshot(path=str(SCREENSHOTS / "dashboard-heerlen.png"), full_page=True)
        page.close()


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
        open_dashboard(page, superset_stack.superset_url, "heerlen")
        deadline = time.monotonic() + 60
        while not requested and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        page.wait_for_timeout(1_000)
        assert requested, "the map asked no base map tiles"
        assert all("/brt/achtergrondkaart/" in url for url in requested), requested[:3]
        assert not blocked, blocked[:3]
    finally:
        context.close()
