"""How long the Straatkubus kaart takes to appear, measured in a real browser.

Used by the browser test (per demo user) and by `straatkubus bench` (p50/p95). The clock runs
from navigation to the dashboard until the map's deck.gl canvas holds painted pixels drawn
after the map's chart data arrived. Chromium comes from Debian (/usr/bin/chromium), driven by
Playwright (installed in the main virtualenv); nothing is downloaded.
"""

from __future__ import annotations

import time
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# This machine has no GPU: whatever the flags (--use-angle=swiftshader, gl, gl-egl, vulkan,
# --ignore-gpu-blocklist), Chromium's WebGL is SwiftShader, software. With --disable-gpu the
# page composites in software as well; drawing the GPU's way with SwiftShader
# (--use-gl=angle --use-angle=swiftshader --enable-unsafe-swiftshader) was not faster
# (measured side by side, 2026-12-07), so the plain headless flags stay.
CHROMIUM_ARGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
KAART_SLUG = "straatkubus-kaart"
KAART_CHART = "Kaart: signalen per gebied"

# deck.gl's WebGL context keeps no drawing buffer, so a copy of the canvas taken between two
# frames is blank. For measuring only, the page's WebGL contexts keep theirs.
KEEP_DRAWING_BUFFER = """
(() => {
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, attributes) {
    if (type === 'webgl' || type === 'webgl2' || type === 'experimental-webgl') {
      attributes = Object.assign({}, attributes, {preserveDrawingBuffer: true});
    }
    return getContext.call(this, type, attributes);
  };
})()
"""
# True once the chart's canvas has a size and at least one painted pixel. The canvas is
# copied scaled down to 64 x 64 (any painted area survives): reading back and scanning the
# full canvas took 10-40 ms of the page's main thread per poll, time the map itself needs;
# textContent, unlike innerText, does not lay the page out.
CANVAS_HAS_PIXELS = """
(chartName) => {
  const holder = [...document.querySelectorAll('.dashboard-component-chart-holder')]
    .find((el) => el.textContent.includes(chartName));
  const canvas = holder && holder.querySelector('canvas');
  if (!canvas || !canvas.width || !canvas.height) return false;
  const copy = document.createElement('canvas');
  copy.width = 64; copy.height = 64;
  const ctx = copy.getContext('2d');
  ctx.drawImage(canvas, 0, 0, 64, 64);
  const data = ctx.getImageData(0, 0, 64, 64).data;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) return true;
  return false;
}
"""


def is_map_response(response: Any) -> bool:
    """A successful chart-data answer for a deck.gl polygon chart."""
    request = response.request
    if "/api/v1/chart/data" not in response.url or request.method != "POST" or not response.ok:
        return False
    body = request.post_data_json or {}
    return body.get("form_data", {}).get("viz_type") == "deck_polygon"


def kaart_draw_seconds(page: Any, base_url: str, timeout: float = 90.0) -> float:
    """Open the kaart in a logged-in page (made with KEEP_DRAWING_BUFFER as init script) and
    return the seconds from navigation until the map has drawn its data."""
    answered: list[float] = []
    empty: list[bool] = []

    def on_response(response: Any) -> None:
        if is_map_response(response):
            arrived = time.monotonic()
            empty.append(not response.json()["result"][0]["data"])  # the body first: then both lists are set
            answered.append(arrived)

    page.on("response", on_response)
    try:
        started = time.monotonic()
        page.goto(f"{base_url}/superset/dashboard/{KAART_SLUG}/")
        deadline = started + timeout
        while not answered:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the kaart sent no map data within {timeout:.0f} s")
            page.wait_for_timeout(50)
        if empty[0]:
            raise RuntimeError("the kaart's map received no rows: it says 'Er zijn geen resultaten'")
        # painted after the data came: drawn from it (the base map's tiles are not reachable
        # in the tests; where they are, they draw only once the map has its data as well)
        remaining = max(deadline - time.monotonic(), 1.0)
        page.wait_for_function(CANVAS_HAS_PIXELS, arg=KAART_CHART, polling=50, timeout=remaining * 1000)
        return time.monotonic() - started
    finally:
        page.remove_listener("response", on_response)


def draw_times(base_url: str, users: list[dict[str, Any]], rounds: int = 1) -> dict[str, list[float]]:
    """Per user (username, password): the kaart's draw time on `rounds` openings, each in a
    fresh browser context (cold cache, as a user's first visit of the day)."""
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for user in users:
                for _ in range(rounds):
                    context = browser.new_context(viewport={"width": 1500, "height": 1400})
                    context.add_init_script(KEEP_DRAWING_BUFFER)
                    page = context.new_page()
                    try:
                        log_in(page, base_url, user["username"], user["password"])
                        times.setdefault(user["username"], []).append(kaart_draw_seconds(page, base_url))
                    finally:
                        context.close()
        finally:
            browser.close()
    return times


def log_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Log in through Superset's login form."""
    import re

    page.goto(f"{base_url}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r".*/superset/welcome/.*"), timeout=120_000)
