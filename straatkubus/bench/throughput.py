"""Generation and load throughput, and the warehouse of a given number of inhabitants."""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path

from straatkubus.bench.report import Figure, Progress, rate
from straatkubus.settings import Settings
from straatkubus.warehouse import cluster

PARKSTAD_INHABITANTS = 256_180
DEFAULT_SCALES = (PARKSTAD_INHABITANTS, 2_500_000, 18_000_000)
ROWS_PER_INHABITANT = 9.72  # delivery rows per inhabitant (three years, every source)


def tiles_for(inhabitants: int) -> int:
    """Synthetic copies of Parkstad beyond Parkstad itself that `inhabitants` needs."""
    return max(math.ceil(inhabitants / PARKSTAD_INHABITANTS), 1) - 1


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
        Figure("generation", rate(generated.rows, generation),
               f"{generated.rows:,} rows in {generation:.1f} s"),
        Figure("validate + load", rate(loaded + quarantined, loading),
               f"{loaded:,} loaded + {quarantined:,} quarantined in {loading:.1f} s"),
    ]
