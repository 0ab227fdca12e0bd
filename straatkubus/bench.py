"""`straatkubus bench`: measured figures, printed and written to BENCHMARKS.md.

The benchmark runs on a cluster and state folder of its own (never the demo's or the
tests'), starts from an empty warehouse, and stops what it started.
"""

from __future__ import annotations

import dataclasses
import math
import os
import platform
import shlex
import shutil
import sys
import time
from dataclasses import dataclass

import psutil

from straatkubus import cluster
from straatkubus.settings import REPO, Settings

PARKSTAD_INHABITANTS = 256_180
BENCH_PORT = 55434


@dataclass(frozen=True)
class Figure:
    measure: str
    value: str
    detail: str = ""


def bench_settings(inhabitants: int) -> Settings:
    scale = inhabitants / PARKSTAD_INHABITANTS
    base = Settings.from_env()
    return dataclasses.replace(base, state_dir=REPO / ".local" / "bench", pg_port=BENCH_PORT,
                               tiles=max(math.ceil(scale), 1) - 1)


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s"


def measure_generate_and_load(settings: Settings, inhabitants: int, seed: int,
                              progress) -> list[Figure]:
    """Generation and load throughput at `inhabitants` (all sources, three years)."""
    from straatkubus.generate import generate
    from straatkubus.load import delivery_files, load_file, load_reference

    scale = inhabitants / PARKSTAD_INHABITANTS
    out = settings.state_dir / "deliveries"
    shutil.rmtree(out, ignore_errors=True)
    progress(f"generating {inhabitants:,} inhabitants (scale {scale:.2f})")
    started = time.perf_counter()
    generated = generate(settings.shared_data_dir, out, scale=scale, seed=seed)
    generation = time.perf_counter() - started

    progress(f"loading {len(generated.files)} deliveries")
    load_reference(settings)
    started = time.perf_counter()
    loaded = quarantined = 0
    for path in delivery_files(out):
        result = load_file(settings, path)
        loaded += result.rows_loaded
        quarantined += result.rows_quarantined
    loading = time.perf_counter() - started
    return [
        Figure("inhabitants (last year)", f"{generated.inhabitants:,}",
               f"{generated.addresses:,} addresses, {len(generated.files)} files"),
        Figure("generation", _rate(generated.rows, generation),
               f"{generated.rows:,} rows in {generation:.1f} s"),
        Figure("validate + load", _rate(loaded + quarantined, loading),
               f"{loaded:,} loaded + {quarantined:,} quarantined in {loading:.1f} s"),
    ]


def machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    return (f"{os.cpu_count()} cores, {memory:.0f} GiB memory, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def report(figures: list[Figure], command: str) -> str:
    width = max(len(f.measure) for f in figures)
    rows = [f"| {f.measure:<{width}} | {f.value} | {f.detail} |" for f in figures]
    return "\n".join([
        "# Benchmarks", "",
        f"Machine: {machine()}  ",
        f"Command: `{command}`  ",
        f"Measured: {time.strftime('%Y-%m-%d %H:%M')}", "",
        f"| {'measure':<{width}} | value | detail |", f"|{'-' * (width + 2)}|---|---|",
        *rows, "",
    ])


def run(inhabitants: int, seed: int, progress) -> str:
    """Run every measurement on a fresh benchmark cluster; returns the Markdown report."""
    settings = bench_settings(inhabitants)
    cluster.init(settings)
    cluster.start(settings)
    try:
        cluster.drop_database(settings, settings.pg_database)
        cluster.ensure_databases(settings)
        figures = measure_generate_and_load(settings, inhabitants, seed, progress)
    finally:
        cluster.stop(settings)
    command = "straatkubus " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "straatkubus bench"
    text = report(figures, command)
    (REPO / "BENCHMARKS.md").write_text(text)
    return text
