"""WOZ values: the mean per municipality and year, and the value of every dwelling.

Every dwelling has a base value relative to others (floor area, building year,
deprivation: straatkubus.synth.addresses) that persists across years; a year's values
follow the change in their PC6's deprivation and are scaled to the municipal mean of
the year.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from straatkubus.ingest import reference
from straatkubus.synth.variation import drift_factor

WOZ_GROWTH = {2023: 1.10, 2024: 1.05}  # after the last CBS figure (2022); later years 4 %
WOZ_GROWTH_DEFAULT = 1.04


def mean_values(data_dir: Path, codes: Iterable[str], years: Iterable[int],
                seed: int) -> dict[str, dict[int, float]]:
    """Mean WOZ per real municipality and year: CBS where published, else the latest CBS
    figure grown by WOZ_GROWTH (or deflated before the first one) and the municipality's
    own drift (straatkubus.synth.variation)."""
    years = sorted(set(years))
    candidates = range(min(years[0], 2015), max(years[-1], 2024) + 1)
    published: dict[str, dict[int, float]] = {code: {} for code in codes}
    for year in candidates:
        for code, fig in reference.municipality_figures(data_dir, year, published_only=True).items():
            if code in published and fig.avg_woz_eur is not None:
                published[code][year] = fig.avg_woz_eur
    targets: dict[str, dict[int, float]] = {}
    for code, known in published.items():
        targets[code] = {}
        for year in years:
            before = [y for y in known if y <= year]
            if before:
                y0 = max(before)
                value = known[y0]
                for step in range(y0 + 1, year + 1):
                    value *= WOZ_GROWTH.get(step, WOZ_GROWTH_DEFAULT)
            else:
                y0 = min(known)
                value = known[y0]
                for step in range(year + 1, y0 + 1):
                    value /= WOZ_GROWTH.get(step, WOZ_GROWTH_DEFAULT)
            targets[code][year] = value * drift_factor(seed, code, "avg_woz_eur", year - y0)
    return targets


def dwelling_values(rng: np.random.Generator, base: np.ndarray, deprivation_change: np.ndarray,
                    mean: float) -> np.ndarray:
    """Whole-euro values of dwellings in a year: their base values, lower where their PC6
    has become more deprived, with a little noise, scaled to the municipal mean."""
    value = base * np.exp(-0.22 * deprivation_change + rng.normal(0, 0.03, len(base)))
    return np.maximum(np.round(value * mean / value.mean()), 1000).astype(np.int64)
