"""`straatkubus bench`: measured figures, printed and written to BENCHMARKS.md.

The benchmark runs on a cluster, Superset and state folder of its own (never the demo's or
the tests'), starts every scale from an empty warehouse, and stops what it started. It
measures, in one run:

- generation and load throughput at `--inhabitants`;
- the full build (`straatkubus build --full`: seeds, models, unit and data tests, raw to
  published marts) at each of `--scales`, its peak memory, and the scaling exponent
  between the two largest; after each, the disclosure audit of the published marts and
  (unless --no-security-tests) the security tests at that scale;
- the incremental refresh after one new month of event deliveries (the build
  `straatkubus build` then plans: that month's year), as a fraction of the full build
  (at the smallest scale);
- a DuckDB reference: the same dbt models, staging to marts, built on DuckDB from the same
  raw rows (the PostGIS models computed in PostgreSQL and handed over), side by side with
  the build, and whether both engines' marts are identical
  (`straatkubus.bench.reference`);
- the latency of the map's chart-data request through Superset's REST API as a
  municipality user with row-level security, at 1, 10 and 20 concurrent users;
- the kaart's draw time in Chromium (navigation to the map drawn with its data), per demo
  user and for the beheerder (`straatkubus.bench.drawtime`).
"""

from __future__ import annotations

import dataclasses
import shlex
import shutil
import sys

from straatkubus.bench.build_time import (
    Build,
    build_figures,
    full_build,
    incremental_refresh,
    memory_in_use,
    scaling_exponent,
)
from straatkubus.bench.dashboard import (
    MUNICIPALITY_ROLE,
    dashboard_latency,
    draw_time_figures,
    map_query_context,
    municipality_user,
)
from straatkubus.bench.reference import Reference, duckdb_reference
from straatkubus.bench.report import Figure, Progress, against, percentile, report
from straatkubus.bench.security import security_tests
from straatkubus.bench.throughput import (
    DEFAULT_SCALES,
    PARKSTAD_INHABITANTS,
    fresh_warehouse,
    generate_and_load,
    load_folder,
    tiles_for,
)
from straatkubus.settings import REPO, Settings
from straatkubus.warehouse import cluster

__all__ = ["Build", "Figure", "MUNICIPALITY_ROLE", "PARKSTAD_INHABITANTS", "against", "bench_settings",
           "build_figures", "draw_time_figures", "map_query_context", "memory_in_use",
           "municipality_user", "percentile", "report", "run", "scaling_exponent", "tiles_for"]

BENCH_PORT = 55434
BENCH_SUPERSET_PORT = 18134


def bench_settings(inhabitants: int) -> Settings:
    base = Settings.from_env()
    return dataclasses.replace(base, state_dir=REPO / ".local" / "bench", pg_port=BENCH_PORT,
                               superset_port=BENCH_SUPERSET_PORT, tiles=tiles_for(inhabitants))


def run(inhabitants: int, seed: int, progress: Progress, scales: tuple[int, ...] = DEFAULT_SCALES,
        requests_per_user: int = 20, notes: list[str] | None = None, security: bool = True) -> str:
    """Run every measurement on the benchmark's own cluster; returns the Markdown report."""
    from straatkubus.synth.generate import generate

    settings = bench_settings(max(inhabitants, *scales))
    command = "straatkubus " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "straatkubus bench"
    figures: list[Figure] = []
    builds: list[Build] = []
    load_rate = 0.0
    incremental = None
    duckdb: Reference | None = None
    free_disk = shutil.disk_usage(REPO).free

    def write(extra: tuple[str, ...] = ()) -> str:
        """BENCHMARKS.md with every figure so far (after each step: a long run that is
        stopped keeps what it measured)."""
        done = sorted(builds, key=lambda build: build.inhabitants)
        shown = figures + (build_figures(done, duckdb, incremental, load_rate,
                                         free_disk) if done else [])
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
            if security:
                builds[-1] = dataclasses.replace(builds[-1], security=security_tests(scale, progress))
                write()
            if scale == min(scales):
                duckdb = duckdb_reference(at_scale, progress)
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
