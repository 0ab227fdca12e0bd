"""Synthetic, seeded deliveries for the seven Parkstad municipalities.

Structure follows the real reference data: municipality totals (CBS 2024), inhabitants and
age structure per PC4 (CBS 2021), addresses inside the real PC4 polygons. Every municipality
sends its own files, named `<source>__<sender>__<period>.csv` (see straatkubus.contracts).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import shapely

from straatkubus import reference
from straatkubus.contracts import CONTRACTS, delivery_filename

# PostNL never uses these letter pairs in a postcode.
_EXCLUDED_LETTERS = {"SA", "SD", "SS"}
PC6_LETTERS = [
    a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if a + b not in _EXCLUDED_LETTERS
]
NON_RESIDENTIAL_USES = ["winkelfunctie", "kantoorfunctie", "bijeenkomstfunctie", "industriefunctie"]


@dataclass(frozen=True)
class GenerationResult:
    files: list[Path]
    inhabitants: int
    addresses: int


def _valid_bsns(rng: np.random.Generator, count: int) -> np.ndarray:
    """Unique 9-digit numbers passing the elfproef (synthetic: random, not real people)."""
    found: list[np.ndarray] = []
    have = 0
    while have < count:
        stem = rng.integers(10_000_000, 99_999_999, size=(count - have) * 2)
        digits = (stem[:, None] // 10 ** np.arange(7, -1, -1)) % 10
        weighted = (digits * np.arange(9, 1, -1)).sum(axis=1)
        last = weighted % 11  # 9-digit check: sum(w*d) - d9 == 0 mod 11
        ok = last < 10
        found.append(stem[ok] * 10 + last[ok])
        have = len(np.unique(np.concatenate(found)))
    return rng.permutation(np.unique(np.concatenate(found)))[:count]


def _household_sizes(rng: np.random.Generator, households: int, persons: int,
                     one_person_share: float) -> np.ndarray:
    """Household sizes that sum exactly to `persons` with the given one-person share."""
    singles = round(households * one_person_share)
    multi = households - singles
    mean_extra = max((persons - singles) / max(multi, 1) - 2, 0.0)
    sizes = np.concatenate([np.ones(singles, int), 2 + rng.poisson(mean_extra, multi).clip(0, 5)])
    diff = persons - int(sizes.sum())
    multi_index = np.arange(singles, households)
    while diff != 0 and multi > 0:
        if diff > 0:
            pick = rng.choice(multi_index, size=min(diff, multi), replace=False)
            sizes[pick] += 1
        else:
            candidates = multi_index[sizes[multi_index] > 2]
            if len(candidates) == 0:
                break
            pick = rng.choice(candidates, size=min(-diff, len(candidates)), replace=False)
            sizes[pick] -= 1
        diff = persons - int(sizes.sum())
    return rng.permutation(sizes)


def _points_near(rng: np.random.Generator, polygon, centres: np.ndarray,
                 sigma: float) -> np.ndarray:
    """One point per centre, normally scattered around it, always inside the polygon."""
    points = centres.copy()
    todo = np.arange(len(centres))
    for _ in range(50):
        if len(todo) == 0:
            break
        trial = centres[todo] + rng.normal(0, sigma, size=(len(todo), 2))
        inside = shapely.contains_xy(polygon, trial[:, 0], trial[:, 1])
        points[todo[inside]] = trial[inside]
        todo = todo[~inside]
    return points  # leftovers keep their centre, which lies inside


def _uniform_points(rng: np.random.Generator, polygon, count: int) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    chosen: list[np.ndarray] = []
    have = 0
    while have < count:
        trial = rng.uniform((minx, miny), (maxx, maxy), size=(max(count - have, 16) * 3, 2))
        trial = trial[shapely.contains_xy(polygon, trial[:, 0], trial[:, 1])]
        chosen.append(trial)
        have += len(trial)
    return np.concatenate(chosen)[:count]


class _Writer:
    """Streams rows of one delivery file in its contract's column order."""

    def __init__(self, folder: Path, source: str, sender: str, period: str) -> None:
        self.path = folder / delivery_filename(source, sender, period)
        self._handle = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed by close())
        self._csv = csv.writer(self._handle)
        self._csv.writerow(CONTRACTS[source].column_names)

    def rows(self, rows) -> None:
        self._csv.writerows(rows)

    def close(self) -> Path:
        self._handle.close()
        return self.path


def generate(data_dir: Path, out_dir: Path, *, scale: float = 1.0, seed: int = 42,
             year: int = 2024) -> GenerationResult:
    """Write BAG addresses and BRP persons per municipality for 1 January of `year`."""
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    areas = reference.pc4_areas(data_dir)
    figures = reference.municipality_figures(data_dir)
    reference_date = date(year, 1, 1)
    period = str(year)
    files: list[Path] = []
    total_persons = total_addresses = 0
    bsns = _valid_bsns(rng, int(sum(f.inhabitants for f in figures.values()) * scale * 1.01) + 10)
    bsn_cursor = 0

    for code, fig in sorted(figures.items()):
        municipal_areas = [a for a in areas if a.municipality_code == code]
        persons = max(round(fig.inhabitants * scale), 1)
        households = max(round(fig.households * scale), 1)
        sizes = _household_sizes(rng, households, persons, fig.pct_one_person_households / 100)
        weights = np.array([max(a.inhabitants_2021, 1) for a in municipal_areas], float)
        household_area = rng.choice(len(municipal_areas), size=households, p=weights / weights.sum())

        addresses = _Writer(out_dir, "bag_addresses", code, period)
        people = _Writer(out_dir, "brp_persons", code, period)
        address_seq = 0
        household_seq = 0
        for area_index, area in enumerate(municipal_areas):
            hh_sizes = sizes[household_area == area_index]
            n_households = len(hh_sizes)
            extra = rng.binomial(n_households, 0.09) + 1  # vacant dwellings and other uses
            n_addresses = n_households + extra
            n_pc6 = min(max(round(n_addresses / rng.uniform(14, 22)), 1), len(PC6_LETTERS))
            letters = sorted(rng.choice(len(PC6_LETTERS), size=n_pc6, replace=False))
            polygon = area.geometry
            shapely.prepare(polygon)
            centres = _uniform_points(rng, polygon, n_pc6)
            sigma = np.sqrt(polygon.area / n_pc6) / 4
            address_pc6 = np.sort(rng.integers(0, n_pc6, n_addresses))
            points = _points_near(rng, polygon, centres[address_pc6], sigma)
            occupied = rng.permutation(n_addresses)[:n_households]
            uses = np.full(n_addresses, "woonfunctie", dtype=object)
            vacant = np.setdiff1d(np.arange(n_addresses), occupied)
            other = vacant[rng.random(len(vacant)) < 0.5]
            uses[other] = rng.choice(NON_RESIDENTIAL_USES, size=len(other))

            ids = [f"{code[2:]}20{address_seq + i:010d}" for i in range(n_addresses)]
            house_numbers = np.ones(n_addresses, int)
            for pc6 in range(n_pc6):
                members = np.flatnonzero(address_pc6 == pc6)
                house_numbers[members] = np.arange(1, len(members) + 1)
            addresses.rows(
                (ids[i], f"{area.pc4}{PC6_LETTERS[letters[address_pc6[i]]]}",
                 int(house_numbers[i]), code, uses[i],
                 f"{points[i, 0]:.6f}", f"{points[i, 1]:.6f}")
                for i in range(n_addresses)
            )
            address_seq += n_addresses

            # Ages: singles and two-person households carry the PC4's elderly share.
            elderly_target = area.share_65plus * hh_sizes.sum()
            single = hh_sizes == 1
            p_single_elderly = min(0.85, 1.6 * area.share_65plus)
            couples = hh_sizes == 2
            needed_couples = max(elderly_target - p_single_elderly * single.sum(), 0) / 2
            p_couple_elderly = min(0.95, needed_couples / max(couples.sum(), 1))
            rows = []
            for h, size in enumerate(hh_sizes):
                household_key = f"{code}-{household_seq + h:08d}"
                address_id = ids[occupied[h]]
                if size == 1:
                    elderly = rng.random() < p_single_elderly
                elif size == 2:
                    elderly = rng.random() < p_couple_elderly
                else:
                    elderly = False
                for member in range(size):
                    if member >= 2:
                        age = rng.integers(0, 18)
                    elif elderly:
                        age = rng.integers(65, 96)
                    else:
                        age = rng.integers(20, 65)
                    birth = reference_date - timedelta(days=int(age * 365.25 + rng.integers(1, 365)))
                    rows.append((int(bsns[bsn_cursor]), birth.isoformat(), address_id,
                                 household_key))
                    bsn_cursor += 1
            household_seq += n_households
            people.rows(rows)
            total_addresses += n_addresses
            total_persons += int(hh_sizes.sum())
        files += [addresses.close(), people.close()]
    return GenerationResult(files=files, inhabitants=total_persons, addresses=total_addresses)
