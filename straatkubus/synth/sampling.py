"""Seeded random streams, days, and the small vectorised draws every part of the generator uses.

Each part draws from its own `numpy.random.Generator`, seeded from (seed, purpose, tile,
municipality, year, ...), so parts are independent of each other and of the other
arguments: generating fewer years or another month never changes what a part draws.
"""

from __future__ import annotations

from datetime import date

import numpy as np

# Seed purposes: one per part (straatkubus.synth.variation uses 1000 and up).
PURPOSE_GEO = 0  # addresses and PC6 areas of the base year
PURPOSE_NEW_BUILDS = 1  # each year's new builds and demolitions
PURPOSE_PERSONS = 2  # persons and households
PURPOSE_SOURCES = 3  # the municipal registers
PURPOSE_EVENTS = 4  # reports and incidents
PURPOSE_BSN = 5  # the BSN bijection
PURPOSE_BORDER = 6  # border PC6 areas
PURPOSE_PARTNERS = 103  # yearly partner sources

_EPOCH = date(1970, 1, 1)


def stream(seed: int, *parts: int) -> np.random.Generator:
    """The random stream of one part of the generation."""
    return np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, *parts]))


# --- days since 1970-01-01 ----------------------------------------------------------------------
def day(value: date) -> int:
    return (value - _EPOCH).days


def last_day(last: date) -> int:
    """The last day dates are drawn up to: the period's end, or today while it runs (a
    delivery never holds future dates; only then does the output depend on the day)."""
    return day(min(last, date.today()))


def jan1_days(years: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of 1 January of each year."""
    return (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


# --- counts and picks ----------------------------------------------------------------------------
def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers summing to `total`, proportional to `weights` (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts


def pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """k distinct indices, drawn without replacement with probability ~ weights."""
    n = len(weights)
    k = min(max(int(k), 0), n)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    keys = rng.exponential(size=n) / np.maximum(weights, 1e-12)
    if k == n:
        return np.arange(n)
    return np.sort(np.argpartition(keys, k - 1)[:k])


def choice(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """k indices drawn with replacement with probability ~ weights."""
    cumulative = np.cumsum(weights, dtype=float)
    return np.searchsorted(cumulative, rng.random(k) * cumulative[-1], side="right").clip(0, len(weights) - 1)


def zscore(values: np.ndarray) -> np.ndarray:
    sd = values.std()
    return (values - values.mean()) / (sd if sd > 0 else 1.0)


def ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    result = np.empty(len(values), dtype=np.int64)
    result[order] = np.arange(len(values))
    return result


def trajectories(rng: np.random.Generator, n: int, start: int, end: int, earliest: np.ndarray,
                 p_before: float, mean_years_before: float, p_ended: float) -> tuple[np.ndarray, np.ndarray]:
    """Start and end days of n trajectories running at some time in [start, end]: started
    before the period (but not before `earliest`) or within it; ended within it or running
    (end -1)."""
    earliest = np.minimum(np.broadcast_to(earliest, (n,)), end)
    before = rng.random(n) < p_before
    starts = np.where(before, start - 1 - np.floor(rng.exponential(mean_years_before * 365.25, n)),
                      start + rng.integers(0, end - start + 1, n)).astype(np.int64)
    starts = np.clip(starts, earliest, end)
    first = np.maximum(starts, start)
    ends = first + np.floor(rng.random(n) * (end - first + 1)).astype(np.int64)
    ends = np.where(rng.random(n) < p_ended, ends, -1)
    return starts, ends
