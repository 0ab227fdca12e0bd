"""The build's time and memory: full builds per scale, the incremental refresh after a new
month, and their figures."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
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

from straatkubus.bench.reference import Reference
from straatkubus.bench.report import Figure, Progress, against, gib
from straatkubus.bench.throughput import DEFAULT_SCALES, PARKSTAD_INHABITANTS, ROWS_PER_INHABITANT, load_folder
from straatkubus.settings import REPO, Settings

NEW_MONTH = "2025-01"


@dataclass(frozen=True)
class Build:
    inhabitants: int
    seconds: float
    peak_memory: int  # bytes
    slowest: list[tuple[str, float]]  # (node, seconds) from dbt's run_results.json
    warehouse: int  # bytes on disk after the build
    temporary: int  # bytes of temporary files PostgreSQL wrote during the build
    audit: tuple[str, str]  # outcome and detail of the disclosure audit of the published marts
    security: tuple[str, str] | None = None  # outcome and detail of the security tests at this scale
    steps: dict[str, float] = dataclasses.field(default_factory=dict)  # seconds per step of the build


def scaling_exponent(small: Build, large: Build) -> float:
    """k in time ~ size^k between two builds (1 = linear)."""
    return math.log(large.seconds / small.seconds) / math.log(large.inhabitants / small.inhabitants)


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


def run_build(settings: Settings, full: bool) -> tuple[float, int, dict[str, Any], dict[str, float]]:
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

    # the whole build as `straatkubus build` runs it: freshness, shadow, dbt, audit, publish
    with peak_memory(settings, lambda: process[0]) as peak:
        steps = builds.build(settings, plan, run_dbt, echo=lambda line: None)
    seconds = time.perf_counter() - started
    return seconds, peak[0], json.loads((target / "run_results.json").read_text()), steps


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
    seconds, peak, results, steps = run_build(settings, full=True)
    warehouse, temporary = _disk_use(settings)
    return Build(inhabitants, seconds, peak, slowest_nodes(results), warehouse,
                 temporary - temporary_before, published_marts_audit(settings, progress),
                 steps=steps)


def published_marts_audit(settings: Settings, progress: Progress) -> tuple[str, str]:
    """The disclosure audit of the marts as published, apart from the build's own audit of
    its shadow (which every build must pass to publish): the correctness the speed kept."""
    from straatkubus.publish.audit import audit

    progress("disclosure audit of the published marts")
    report = audit(settings)
    checked = sum(relation.checked or 0 for relation in report.relations)
    outcome = "passed" if report.passed else f"FAILED: {report.finding_count} finding(s)"
    return outcome, (f"{checked:,} published cells and values checked in "
                     f"{len(report.relations)} relations as {report.reader}, {report.seconds:,.0f} s")


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
    seconds, _, _, _ = run_build(settings, full=False)
    return loaded, seconds


def build_figures(builds: list[Build], duckdb: Reference | None,
                  incremental: tuple[int, float] | None, load_rate: float,
                  free_disk: int) -> list[Figure]:
    figures = []
    for build in builds:
        slowest = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in build.slowest[:3])
        parkstad = build.inhabitants == PARKSTAD_INHABITANTS
        figures.append(Figure(f"full build, {build.inhabitants:,} inhabitants",
                              f"{build.seconds:,.1f} s",
                              f"{', '.join(f'{step} {value:.1f} s' for step, value in build.steps.items())}"
                              f"{'; ' if build.steps else ''}peak memory {gib(build.peak_memory)}; "
                              f"{gib(build.temporary)} of temporary files written; slowest: "
                              f"{slowest}", against(build.seconds, 60, " s") if parkstad else ""))
        figures.append(Figure(f"warehouse on disk, {build.inhabitants:,} inhabitants",
                              gib(build.warehouse), "pg_database_size after the full build",
                              against(build.warehouse / 2**30, 0.6, " GiB") if parkstad else ""))
        figures.append(Figure(f"disclosure audit, {build.inhabitants:,} inhabitants",
                              *build.audit))
        if build.security:
            figures.append(Figure(f"security tests, {build.inhabitants:,} inhabitants",
                                  *build.security))
    if len(builds) >= 2:
        small, large = sorted(builds, key=lambda b: b.inhabitants)[-2:]
        exponent = scaling_exponent(small, large)
        figures.append(Figure("scaling exponent", f"{exponent:.2f}",
                              f"build time ~ inhabitants^k between {small.inhabitants:,} "
                              f"and {large.inhabitants:,}", against(exponent, 1.05, "")))
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
                                  f"{gib(int(warehouse))} (linear from "
                                  f"{large.inhabitants:,}), {gib(free_disk)} free when the "
                                  f"bench began"))
    first = builds[0]
    if incremental is not None:
        rows, seconds = incremental
        share = 100 * seconds / first.seconds
        figures.append(Figure("incremental refresh", f"{seconds:,.1f} s = "
                              f"{share:.0f} % of the full build",
                              f"after one new month ({NEW_MONTH}, {rows:,} event rows) at "
                              f"{first.inhabitants:,} inhabitants", against(share, 5, " %")))
    if duckdb is not None:
        # the same work: PostgreSQL's `dbt build` step against DuckDB's (the whole build
        # also checks freshness, copies, audits and publishes)
        dbt_seconds = first.steps.get("dbt", first.seconds)
        figures.append(Figure(
            "DuckDB reference", f"{duckdb.build_seconds:,.1f} s; build / DuckDB = "
            f"{dbt_seconds / duckdb.build_seconds:,.1f}; marts identical: "
            f"{duckdb.identical} of {len(duckdb.marts)}",
            f"the same dbt models, staging to marts with the disclosure control "
            f"(`{duckdb.command}`: seeds, models, unit and data tests) on DuckDB from the same "
            f"{duckdb.raw_rows:,} raw rows at {first.inhabitants:,} inhabitants, same run; the "
            f"geography ({len(duckdb.handed_over)} PostGIS models: "
            f"{', '.join(duckdb.handed_over)}) computed in PostgreSQL and handed over as "
            f"Parquet with the raw rows ({duckdb.export_seconds:,.1f} s, not counted); "
            f"identical = same rows and checksum per mart; PostgreSQL's dbt build step "
            f"{dbt_seconds:,.1f} s of its {first.seconds:,.1f} s build",
            against(dbt_seconds / duckdb.build_seconds, 3, "× DuckDB")))
    figures.append(Figure("peak memory of the build", gib(max(b.peak_memory for b in builds)),
                          "dbt and PostgreSQL, shared buffers counted once"))
    return figures
