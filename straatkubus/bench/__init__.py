"""`straatkubus bench`: measured figures, printed and written to BENCHMARKS.md.

The benchmark runs on a cluster, Superset and state folder of its own (never the demo's or
the tests'), starts every scale from an empty warehouse, and stops what it started. It
measures, in one run:

- generation and load throughput at `--inhabitants`;
- the full build (`straatkubus build --full`: seeds, models, unit and data tests, raw to
  published marts) at each of `--scales`, its peak memory, and the scaling exponent
  between the two largest;
- the incremental refresh after one new month of event deliveries (the build
  `straatkubus build` then plans: that month's year), as a fraction of the full build
  (at the smallest scale);
- a DuckDB reference: the key aggregations of the build over the same raw rows, in DuckDB,
  side by side with the build;
- the latency of the map's chart-data request through Superset's REST API as a
  municipality user with row-level security, at 1, 10 and 20 concurrent users;
- the kaart's draw time in Chromium (navigation to the map drawn with its data), per demo
  user and for the beheerder (`straatkubus.bench.drawtime`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg2
import requests
import yaml

from straatkubus.settings import REPO, Settings
from straatkubus.warehouse import cluster

PARKSTAD_INHABITANTS = 256_180
DEFAULT_SCALES = (PARKSTAD_INHABITANTS, 2_500_000, 18_000_000)
BENCH_PORT = 55434
BENCH_SUPERSET_PORT = 18134
MAP_CHART_UUID = "8a26731e-5faf-4b24-a775-e2a97ab63268"
MUNICIPALITY_ROLE = "Gemeente Heerlen"
NEW_MONTH = "2025-01"
CONCURRENT_USERS = (1, 10, 20)
DRAW_ROUNDS = 2  # kaart openings per user, each in a fresh browser context
ROWS_PER_INHABITANT = 9.72  # delivery rows per inhabitant (three years, every source)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Figure:
    measure: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Build:
    inhabitants: int
    seconds: float
    peak_memory: int  # bytes
    slowest: list[tuple[str, float]]  # (node, seconds) from dbt's run_results.json
    warehouse: int  # bytes on disk after the build
    temporary: int  # bytes of temporary files PostgreSQL wrote during the build


def tiles_for(inhabitants: int) -> int:
    """Synthetic copies of Parkstad beyond Parkstad itself that `inhabitants` needs."""
    return max(math.ceil(inhabitants / PARKSTAD_INHABITANTS), 1) - 1


def bench_settings(inhabitants: int) -> Settings:
    base = Settings.from_env()
    return dataclasses.replace(base, state_dir=REPO / ".local" / "bench", pg_port=BENCH_PORT,
                               superset_port=BENCH_SUPERSET_PORT, tiles=tiles_for(inhabitants))


def scaling_exponent(small: Build, large: Build) -> float:
    """k in time ~ size^k between two builds (1 = linear)."""
    return math.log(large.seconds / small.seconds) / math.log(large.inhabitants / small.inhabitants)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.5 = median, 0.95 = p95)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s"


def _gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


# --- data --------------------------------------------------------------------------------
def fresh_warehouse(settings: Settings) -> None:
    cluster.drop_database(settings, settings.pg_database)
    cluster.ensure_databases(settings)


def load_folder(settings: Settings, folder: Path) -> tuple[int, int, float]:
    """Load every delivery in `folder`: (rows loaded, rows quarantined, seconds)."""
    from straatkubus.ingest.load import delivery_files, load_files, load_reference

    load_reference(settings)
    started = time.perf_counter()
    loaded = quarantined = 0
    for result in load_files(settings, delivery_files(folder)):
        if isinstance(result, Exception):
            raise result
        loaded += result.rows_loaded
        quarantined += result.rows_quarantined
    return loaded, quarantined, time.perf_counter() - started


def generate_and_load(settings: Settings, inhabitants: int, seed: int,
                      progress: Progress) -> list[Figure]:
    """Generation and load throughput at `inhabitants` (all sources, three years)."""
    from straatkubus.synth.generate import generate

    scale = inhabitants / PARKSTAD_INHABITANTS
    out = settings.state_dir / "deliveries"
    shutil.rmtree(out, ignore_errors=True)
    progress(f"generating {inhabitants:,} inhabitants (scale {scale:.2f})")
    started = time.perf_counter()
    generated = generate(settings.reference_data_dir, out, scale=scale, seed=seed)
    generation = time.perf_counter() - started
    progress(f"validating and loading {len(generated.files)} deliveries")
    loaded, quarantined, loading = load_folder(settings, out)
    shutil.rmtree(out)  # loaded: the disk is the limit of the largest scale
    return [
        Figure("inhabitants (throughput run)", f"{generated.inhabitants:,}",
               f"{generated.addresses:,} addresses, {len(generated.files)} files"),
        Figure("generation", _rate(generated.rows, generation),
               f"{generated.rows:,} rows in {generation:.1f} s"),
        Figure("validate + load", _rate(loaded + quarantined, loading),
               f"{loaded:,} loaded + {quarantined:,} quarantined in {loading:.1f} s"),
    ]


# --- the build ---------------------------------------------------------------------------
def _cluster_processes(settings: Settings) -> list[psutil.Process]:
    try:
        postmaster = psutil.Process(int((settings.pg_data_dir / "postmaster.pid").read_text().split()[0]))
        return [postmaster, *postmaster.children()]
    except (FileNotFoundError, ValueError, psutil.Error):
        return []


def memory_in_use(processes: list[psutil.Process]) -> int:
    """Resident memory of processes, shared memory (PostgreSQL's buffers) counted once."""
    private = shared = 0
    for process in processes:
        try:
            info = process.memory_info()
        except psutil.Error:
            continue
        private += info.rss - getattr(info, "shared", 0)
        shared = max(shared, getattr(info, "shared", 0))
    return private + shared


@contextmanager
def peak_memory(settings: Settings, root: Callable[[], psutil.Process | None]) -> Iterator[list[int]]:
    """Sample the memory of the cluster plus `root`'s process tree twice a second; the
    peak ends up in the yielded list."""
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            processes = _cluster_processes(settings)
            top = root()
            if top is not None:
                with suppress(psutil.Error):
                    processes += [top, *top.children(recursive=True)]
            peak[0] = max(peak[0], memory_in_use(processes))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()


def run_build(settings: Settings, full: bool) -> tuple[float, int, dict[str, Any]]:
    """The build `straatkubus build` would run, on the benchmark warehouse: (seconds
    including the planning, peak memory, dbt's run results)."""
    from straatkubus.cli import dbt_env
    from straatkubus.warehouse import builds

    started = time.perf_counter()
    plan = builds.plan(settings, full=full)
    if plan.scope != ("full" if full else "years"):
        raise RuntimeError(f"expected a {'full' if full else 'by-year'} build: {plan.describe()}")
    target = settings.state_dir / "dbt-target"
    log = settings.state_dir / "dbt-bench.log"
    process: list[psutil.Process | None] = [None]

    def run_dbt(args: list[str], extra: dict[str, str]) -> None:
        command = [str(Path(sys.executable).with_name("dbt")), *args, "--project-dir", str(REPO),
                   "--profiles-dir", str(REPO / "profiles")]
        with open(log, "a") as handle:
            child = subprocess.Popen(command, env=dbt_env(settings, extra), cwd=REPO, stdout=handle,
                                     stderr=subprocess.STDOUT)
            process[0] = psutil.Process(child.pid)
            if child.wait() != 0:
                raise builds.BuildRefused(f"dbt {' '.join(args)} failed; see {log}")

    # the whole build as `straatkubus build` runs it: shadow, dbt, audit, publish
    with peak_memory(settings, lambda: process[0]) as peak:
        builds.execute(settings, plan, run_dbt)
    seconds = time.perf_counter() - started
    return seconds, peak[0], json.loads((target / "run_results.json").read_text())


def slowest_nodes(run_results: dict[str, Any], count: int = 5) -> list[tuple[str, float]]:
    nodes = [(r["unique_id"].split(".")[-1] if r["unique_id"].startswith("model.")
              else r["unique_id"].split(".")[2], r["execution_time"]) for r in run_results["results"]]
    return sorted(nodes, key=lambda node: -node[1])[:count]


def _disk_use(settings: Settings) -> tuple[int, int]:
    """(the warehouse's size, temporary bytes written since the statistics were reset)."""
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_database_size(datname), temp_bytes from pg_stat_database "
                        "where datname = current_database()")
            return cur.fetchone()
    finally:
        conn.close()


def full_build(settings: Settings, inhabitants: int, progress: Progress) -> Build:
    progress(f"full build at {inhabitants:,} inhabitants")
    _, temporary_before = _disk_use(settings)
    seconds, peak, results = run_build(settings, full=True)
    warehouse, temporary = _disk_use(settings)
    return Build(inhabitants, seconds, peak, slowest_nodes(results), warehouse,
                 temporary - temporary_before)


def incremental_refresh(settings: Settings, inhabitants: int, seed: int,
                        progress: Progress) -> tuple[int, float]:
    """Deliver one new month of events, load it and build again: (rows, seconds)."""
    from straatkubus.synth.generate import generate

    out = settings.state_dir / "deliveries-month"
    shutil.rmtree(out, ignore_errors=True)
    progress(f"one new month of event deliveries ({NEW_MONTH}), then the build it needs")
    generate(settings.reference_data_dir, out, scale=inhabitants / PARKSTAD_INHABITANTS, seed=seed,
             month=NEW_MONTH)
    loaded, _, _ = load_folder(settings, out)
    seconds, _, _ = run_build(settings, full=False)
    return loaded, seconds


# --- DuckDB reference --------------------------------------------------------------------
RAW_FOR_DUCKDB = {
    "persons": "select address_id, birth_date, left(delivery_period, 4)::integer as period_year "
               "from raw.brp_persons",
    "addresses": "select address_id, upper(replace(postcode, ' ', '')) as pc6, municipality_code, "
                 "left(delivery_period, 4)::integer as period_year from raw.bag_addresses",
    "valuations": "select address_id, woz_value, left(delivery_period, 4)::integer as period_year "
                  "from raw.woz_values",
    "events": "select upper(replace(postcode, ' ', '')) as pc6, municipality_code, incident_date "
              "as event_date from raw.police_incidents union all select upper(replace(postcode, "
              "' ', '')), municipality_code, reported_date from raw.public_space_reports",
}

# The build's key aggregations, in DuckDB: persons and dwellings per address, the roll-up
# of addresses to PC6, PC4, municipality and Parkstad per year and of events per month
# (grouping sets), the long quantity table, share and rate indicators with the primary
# suppression rules, and the signal windows (rank among the areas of a level, previous
# period). Not in it: secondary suppression, wijken, tests — the build does more.
DUCKDB_AGGREGATIONS = """
create or replace table address_quantities as
select a.address_id, a.pc6, left(a.pc6, 4) as pc4, a.municipality_code, a.period_year,
       count(p.address_id) as inhabitants,
       count(p.address_id) filter (where date_diff('year', p.birth_date,
           make_date(a.period_year, 1, 1)) >= 65) as inhabitants_65plus,
       count(p.address_id) filter (where date_diff('year', p.birth_date,
           make_date(a.period_year, 1, 1)) < 18) as inhabitants_0_17,
       count(distinct v.address_id) as dwellings,
       coalesce(sum(v.woz_value), 0) as woz_value_total_eur
from addresses a
left join persons p on p.address_id = a.address_id and p.period_year = a.period_year
left join valuations v on v.address_id = a.address_id and v.period_year = a.period_year
group by all;

create or replace table area_quantities as
with rolled as (
    select
        case when grouping(pc6) = 0 then 'pc6' when grouping(pc4) = 0 then 'pc4'
             when grouping(municipality_code) = 0 then 'gemeente' else 'regio' end
            as area_level,
        coalesce(pc6, pc4, municipality_code, 'parkstad') as area_code,
        municipality_code, period_year, null::integer as period_month,
        sum(inhabitants) as inhabitants, sum(inhabitants_65plus) as inhabitants_65plus,
        sum(inhabitants_0_17) as inhabitants_0_17, sum(dwellings) as dwellings,
        sum(woz_value_total_eur) as woz_value_total_eur
    from address_quantities
    group by grouping sets ((pc6, municipality_code, period_year),
        (pc4, municipality_code, period_year), (municipality_code, period_year), (period_year))
),
event_rolled as (
    select
        case when grouping(pc4) = 0 then 'pc4' when grouping(municipality_code) = 0
             then 'gemeente' else 'regio' end as area_level,
        coalesce(pc4, municipality_code, 'parkstad') as area_code,
        municipality_code, year(event_date) as period_year,
        month(event_date) as period_month, count(*) as events
    from (select *, left(pc6, 4) as pc4 from events)
    group by grouping sets ((pc4, municipality_code, year(event_date), month(event_date)),
        (municipality_code, year(event_date), month(event_date)),
        (year(event_date), month(event_date)))
)
select area_level, area_code, municipality_code, period_year, period_month,
       quantity_code, amount
from (unpivot rolled on inhabitants, inhabitants_65plus, inhabitants_0_17, dwellings,
      woz_value_total_eur into name quantity_code value amount)
union all
select area_level, area_code, municipality_code, period_year, period_month, 'events', events
from event_rolled;

create or replace table indicator_cells as
with catalogue(indicator_code, numerator_code, denominator_code, unit) as (
    values ('pct_65plus', 'inhabitants_65plus', 'inhabitants', '%'),
           ('pct_0_17', 'inhabitants_0_17', 'inhabitants', '%'),
           ('gem_woz', 'woz_value_total_eur', 'dwellings', 'euro'),
           ('events_per_1000', 'events', 'inhabitants', 'per 1000')
)
select n.area_level, n.area_code, n.municipality_code, n.period_year, n.period_month,
       c.indicator_code, n.amount as numerator, d.amount as denominator,
       case when d.amount < 5 then 'groep'
            when c.unit = '%' and n.amount between 1 and 4 then 'kenmerk'
            when c.unit = '%' and d.amount - n.amount between 1 and 4 then 'complement'
       end as primary_rule,
       case when c.unit = 'per 1000' then 1000.0 else 100.0 end * n.amount
           / nullif(d.amount, 0) as value
from area_quantities n
join catalogue c on n.quantity_code = c.numerator_code
left join area_quantities d on d.quantity_code = c.denominator_code
    and d.area_level = n.area_level and d.area_code = n.area_code
    and d.municipality_code is not distinct from n.municipality_code
    and d.period_year = n.period_year and d.period_month is null;

create or replace table signals as
select *,
    percent_rank() over (partition by area_level, period_year, period_month, indicator_code
        order by value) as better_share,
    lag(value) over (partition by area_level, area_code, municipality_code, indicator_code,
        period_month is null order by period_year, period_month) as previous_value
from indicator_cells
where primary_rule is null;
"""


def duckdb_reference(settings: Settings, progress: Progress) -> tuple[float, int]:
    """Copy the raw rows DuckDB needs out of PostgreSQL (not timed), then time the key
    aggregations in DuckDB: (seconds, raw rows)."""
    import duckdb

    progress("DuckDB reference: the same key aggregations over the same raw rows")
    folder = settings.state_dir / "duckdb"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn.cursor() as cur:
            for name, query in RAW_FOR_DUCKDB.items():
                with open(folder / f"{name}.csv", "w") as handle:
                    cur.copy_expert(f"copy ({query}) to stdout with (format csv, header)", handle)
    finally:
        conn.close()
    db = duckdb.connect()
    db.execute("set threads = 2")
    rows = 0
    for name in RAW_FOR_DUCKDB:
        db.execute(f"create table {name} as select * from read_csv_auto(?)",
                   [str(folder / f"{name}.csv")])
        rows += db.execute(f"select count(*) from {name}").fetchone()[0]
    started = time.perf_counter()
    db.execute(DUCKDB_AGGREGATIONS)
    seconds = time.perf_counter() - started
    db.close()
    return seconds, rows


# --- dashboard latency -------------------------------------------------------------------
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
                    f"({MUNICIPALITY_ROLE}, RLS), mean {statistics.mean(latencies) * 1000:,.0f} ms"))
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
            f"{max(times[slowest]):,.1f} s"))
    return figures


# --- the report --------------------------------------------------------------------------
def machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"{os.cpu_count()} cores, {memory:.0f} GiB memory, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}; load average at the end "
            f"{load}")


def report(figures: list[Figure], command: str, notes: list[str]) -> str:
    width = max(len(f.measure) for f in figures)
    rows = [f"| {f.measure:<{width}} | {f.value} | {f.detail} |" for f in figures]
    return "\n".join([
        "# Benchmarks", "",
        f"Machine: {machine()}  ",
        f"Command: `{command}`  ",
        f"Measured: {time.strftime('%Y-%m-%d %H:%M')}", "",
        f"| {'measure':<{width}} | value | detail |", f"|{'-' * (width + 2)}|---|---|",
        *rows, "", *notes,
    ])


def build_figures(builds: list[Build], duckdb_seconds: float, duckdb_rows: int,
                  incremental: tuple[int, float] | None, load_rate: float,
                  free_disk: int) -> list[Figure]:
    figures = []
    for build in builds:
        slowest = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in build.slowest[:3])
        figures.append(Figure(f"full build, {build.inhabitants:,} inhabitants",
                              f"{build.seconds:,.1f} s",
                              f"peak memory {_gib(build.peak_memory)}; warehouse "
                              f"{_gib(build.warehouse)} on disk, {_gib(build.temporary)} of "
                              f"temporary files written; slowest: {slowest}"))
    if len(builds) >= 2:
        small, large = sorted(builds, key=lambda b: b.inhabitants)[-2:]
        exponent = scaling_exponent(small, large)
        figures.append(Figure("scaling exponent", f"{exponent:.2f}",
                              f"build time ~ inhabitants^k between {small.inhabitants:,} "
                              f"and {large.inhabitants:,}"))
        netherlands = max(DEFAULT_SCALES)
        if large.inhabitants < netherlands:
            estimate = large.seconds * (netherlands / large.inhabitants) ** exponent
            rows = load_rate and ROWS_PER_INHABITANT * netherlands / load_rate
            warehouse = large.warehouse * netherlands / large.inhabitants
            figures.append(Figure(f"full build, {netherlands:,} (not run)",
                                  f"estimate {estimate / 60:,.0f} min",
                                  f"extrapolated with k = {exponent:.2f}; loading its "
                                  f"{ROWS_PER_INHABITANT * netherlands / 1e6:,.0f} M delivery "
                                  f"rows at the measured rate alone would take "
                                  f"{rows / 3600:,.1f} h; its warehouse alone about "
                                  f"{_gib(int(warehouse))} (linear from "
                                  f"{large.inhabitants:,}), {_gib(free_disk)} free when the "
                                  f"bench began"))
    first = builds[0]
    if incremental is not None:
        rows, seconds = incremental
        figures.append(Figure("incremental refresh", f"{seconds:,.1f} s = "
                              f"{100 * seconds / first.seconds:.0f} % of the full build",
                              f"after one new month ({NEW_MONTH}, {rows:,} event rows) at "
                              f"{first.inhabitants:,} inhabitants"))
    if duckdb_seconds:
        figures.append(Figure("DuckDB reference", f"{duckdb_seconds:,.1f} s; build / DuckDB = "
                              f"{first.seconds / duckdb_seconds:,.0f}",
                              f"key aggregations over the same {duckdb_rows:,} raw rows at "
                              f"{first.inhabitants:,} inhabitants, same run"))
    figures.append(Figure("peak memory of the build", _gib(max(b.peak_memory for b in builds)),
                          "dbt and PostgreSQL, shared buffers counted once"))
    return figures


def run(inhabitants: int, seed: int, progress: Progress, scales: tuple[int, ...] = DEFAULT_SCALES,
        requests_per_user: int = 20, notes: list[str] | None = None) -> str:
    """Run every measurement on the benchmark's own cluster; returns the Markdown report."""
    from straatkubus.synth.generate import generate

    settings = bench_settings(max(inhabitants, *scales))
    command = "straatkubus " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "straatkubus bench"
    figures: list[Figure] = []
    builds: list[Build] = []
    load_rate = 0.0
    incremental = None
    duckdb_seconds, duckdb_rows = 0.0, 0
    free_disk = shutil.disk_usage(REPO).free

    def write(extra: tuple[str, ...] = ()) -> str:
        """BENCHMARKS.md with every figure so far (after each step: a long run that is
        stopped keeps what it measured)."""
        done = sorted(builds, key=lambda build: build.inhabitants)
        shown = figures + (build_figures(done, duckdb_seconds, duckdb_rows, incremental,
                                         load_rate, free_disk) if done else [])
        text = report(shown, command, [*(notes or []), *extra])
        (REPO / "BENCHMARKS.md").write_text(text)
        return text

    cluster.init(settings)
    cluster.start(settings)
    try:
        fresh_warehouse(settings)
        throughput = dataclasses.replace(settings, tiles=tiles_for(inhabitants))
        figures += generate_and_load(throughput, inhabitants, seed, progress)
        load_rate = float(figures[-1].value.split()[0].replace(",", ""))
        write()
        # the throughput run's warehouse first (it is loaded), then every other scale
        order = [inhabitants] if inhabitants in scales else []
        order += [scale for scale in sorted(set(scales)) if scale != inhabitants]
        for scale in order:
            at_scale = dataclasses.replace(settings, tiles=tiles_for(scale))
            if scale != inhabitants:
                fresh_warehouse(at_scale)
                out = at_scale.state_dir / "deliveries"
                shutil.rmtree(out, ignore_errors=True)
                progress(f"generating and loading {scale:,} inhabitants")
                generate(at_scale.reference_data_dir, out, scale=scale / PARKSTAD_INHABITANTS,
                         seed=seed)
                load_folder(at_scale, out)
                shutil.rmtree(out)
            builds.append(full_build(at_scale, scale, progress))
            write()
            if scale == min(scales):
                duckdb_seconds, duckdb_rows = duckdb_reference(at_scale, progress)
                figures += dashboard_latency(at_scale, progress, requests_per_user)
                incremental = incremental_refresh(at_scale, scale, seed, progress)
                write()
    except BaseException as error:
        write((f"Stopped before the end ({type(error).__name__}: {error}); the figures above "
               "are those measured until then.",))
        raise
    finally:
        cluster.stop(settings)
    return write()
