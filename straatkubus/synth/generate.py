"""Synthetic, seeded deliveries for every source and sender (see straatkubus.ingest.contracts).

What is written
    For each year: the ten municipal sources per municipality (`<source>__GM0917__2024.csv`)
    and the partner sources per declared partner (`corporation_tenancies__weller__2024.csv`,
    `care_consumption__cz__2024.csv`, `police_incidents__politie__2024.csv`,
    `environmental_incidents__rudzl__2024.csv`). With `month="2025-01"` only the event
    sources (contracts with `monthly=True`) for that month.

Scope and scale
    `scale` is the fraction of the real Parkstad population. Up to 1 the seven real
    municipalities are generated at that scale; beyond 1 Parkstad is repeated as synthetic
    tiles (`reference.scope_municipalities`): `ceil(scale) - 1` copies besides Parkstad, all
    `ceil(scale)` copies at `scale / ceil(scale)`. A tile municipality takes the CBS figures
    of the real municipality it copies and lives in shifted copies of its PC4 polygons.

Calibration (exact by construction, per municipality and year, from
`reference.municipality_figures`, drifted in unpublished years by `variation.drift_unpublished`)
    inhabitants, households, one-person households, persons 65+, dwellings (households and
    vacancy), corporation dwellings, mean WOZ value, youth care share (< 23), WMO clients
    per 1000 and households at or below 110 % of the social minimum are counts fixed before
    anything is drawn; randomness only decides who and where. Inhabitants per PC4 follow
    CBS 2021 and the 65+ share per PC4 roughly follows it.

Where people live
    Within a PC4 the dwellings go to its parts in each CBS wijk 2024, weighted by
    area ** WIJK_AREA_POWER (a small part, such as a village core, is denser than a large
    one), with little weight for a wijk of "verspreide huizen" and for parts that the
    generalised boundaries put in another municipality's wijk (see _pc4_parts). PC6 centres
    are uniform inside their part and the addresses stay in it.

Variation without a CBS figure (straatkubus.synth.variation)
    Rates CBS does not publish per municipality (65+ living alone, single parents, debt
    help and bijstand beyond the CBS-derived volume, informal carers and their hours, rent
    arrears and evictions, mental health care and care costs, public-space reports by
    category, police nuisance and the crime mix, environmental incidents) differ per
    municipality and year: a social index from CBS figures, a seeded municipal level and
    a seeded yearly trend, so some municipalities improve and others deteriorate. 65+
    living alone follows the municipal share of one-person households. CBS figures of a
    year CBS has not published drift from the nearest published one (per municipality and
    figure), instead of being carried unchanged.

Persistence (the choice made)
    Addresses, PC6 areas, their latent deprivation and ageing, corporation ownership and the
    WOZ base value of every dwelling persist across years (same ids, postcodes, house
    numbers and locations); every year adds a few new builds (at least 0.3 %) and demolishes
    just enough old dwellings for the stock to follow households and vacancy. Persons and
    households are redrawn every year with fresh BSNs: a BSN denotes one person (one birth
    date) across all files and years, but nobody appears in two years. Rates that follow
    neighbourhoods therefore persist; every PC4 drifts (its deprivation rises or falls a
    little every year, PC4_DRIFT_PER_YEAR) and about 3 % of PC6 areas deteriorate sharply,
    which gives trend signals in both directions.

Identifiers
    Address ids are BAG-like (`0917200000012345`: municipality, object type 20, sequence);
    household ids `GM0917-2024-0001234`; report ids `MOR-GM0917-2024-000123` (a month:
    `MOR-GM0917-202501-000123`); police `PL2024-0917-000123`; environment agency
    `RUD2024-0917-00123`; tenancies `WEL-20240917000123`. They are unique across years and
    months, and no value outside a BSN column is ever a 9-digit number.

Border PC6 areas (with `border_pc6_share` > 0, e.g. 0.01)
    Some real PC4 polygons reach across the (generalised) municipal boundary. About that
    share of a municipality's PC6 codes, chosen among those nearest such a stretch, get
    one to three addresses in the neighbouring municipality: existing addresses of the
    neighbour (so its calibration stays exact) move into that stretch and take the PC6
    code, with house numbers following the PC6's own. The neighbour delivers them, and
    every source it delivers with a postcode (BAG, tenancies, care consumption, events)
    carries that code, so the PC6 is split over two municipalities. The plan is drawn
    from the base-year geography of both, so it depends neither on the years generated
    nor on month mode. Those addresses are the only ones whose PC4 is not dominantly
    their municipality's.

Correlations
    Every PC6 has a deprivation d (a PC4 component plus a PC6 component) and an ageing a
    (independent of d). Corporation dwellings, low incomes, bijstand, debt help, rent
    arrears, youth care, single parents, mental health care, nuisance reports and police
    nuisance incidents concentrate where d is high (weights exp(beta * d), then exactly
    the municipal totals); WOZ values are lower there. Elderly people, also those living
    alone, cluster where a is high.

Randomness and speed
    Each part draws from its own `numpy.random.Generator`, seeded from (seed, tile,
    municipality, year, purpose), so parts are independent of each other and of the other
    arguments. Everything is vectorised; one municipality-tile is held in memory at a time
    and its rows are formatted and written by DuckDB's CSV writer (partner files are
    appended to). BSNs come from a global person sequence number through a bijection onto
    valid 8-digit stems (no global set needed).
"""

from __future__ import annotations

import calendar
import math
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from straatkubus.ingest import reference
from straatkubus.ingest.contracts import CONTRACTS, PARTNERS, delivery_filename
from straatkubus.synth.variation import Variation, drift_factor, drift_unpublished, social_index

BASE_YEAR = 2022  # the address stock exists from here on; later years add new builds
DEFAULT_YEARS = (2022, 2023, 2024)
WGS84_MUNICIPALITIES = frozenset({"GM1954", "GM0986"})  # deliver BAG coordinates in WGS84

# PostNL never uses these letter pairs in a postcode.
_EXCLUDED_LETTERS = {"SA", "SD", "SS"}
PC6_LETTERS = [
    a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if a + b not in _EXCLUDED_LETTERS
]
USES = ("woonfunctie", "winkelfunctie", "kantoorfunctie", "bijeenkomstfunctie", "industriefunctie")
_NON_RESIDENTIAL_P = np.array([0.40, 0.30, 0.15, 0.15])

# --- tunable assumptions (no CBS figure for them) --------------------------------------------
DWELLINGS_PER_PC6 = 16
NON_RESIDENTIAL_SHARE = 0.05  # extra non-residential addresses, relative to dwellings
NEW_BUILD_RATE = 0.003  # dwellings added per year at least
DETERIORATING_SHARE = 0.03  # PC6 areas whose deprivation rises every year
DETERIORATION_PER_YEAR = 0.45
PC4_DRIFT_PER_YEAR = 0.15  # sd of a PC4's yearly drift in deprivation (+ worse, - better)
DEPENDANTS_PER_FAMILY = 1.8
WOZ_GROWTH = {2023: 1.10, 2024: 1.05}  # after the last CBS figure (2022); later years 4 %
WOZ_GROWTH_DEFAULT = 1.04
INCOME_SIGMA = 0.5  # log-sd of household income (% of social minimum)
BIJSTAND_PER_PCT_MINIMUM = 0.008  # beneficiaries / adults 18-66 per % around social minimum
DEBT_HELP_PER_PCT_MINIMUM = 0.0022  # households in debt help per % around social minimum
UNINSURED_SHARE = 0.015  # residents not insured with the insurer
# Where in a PC4 the dwellings go: its parts in each wijk weigh area ** WIJK_AREA_POWER
# (smaller parts are denser: village cores), times these factors.
WIJK_AREA_POWER = 0.5
SCATTERED_WIJK_WEIGHT = 0.01  # a wijk of "verspreide huizen" (scattered houses)
OTHER_MUNICIPALITY_WIJK_WEIGHT = 0.05  # a part in another municipality's wijk (generalised edges)
MIN_PART_SHARE = 0.005  # smaller parts of a PC4 get no dwellings
# PC6 areas crossing a municipal border (share of a municipality's PC6 codes; 0 = none).
# Off by default: see "Border PC6 areas" above for what turning it on changes.
BORDER_PC6_SHARE = 0.01
BORDER_ADDRESSES = (1, 3)  # addresses of the neighbouring municipality per border PC6
BORDER_REGION_MIN_M2 = 2000  # smallest part of a PC4 reaching into another municipality
BORDER_SEARCH_M = 600  # a border PC6's centre lies at most this far from that part

# Household types.
SINGLE_OLD, SINGLE, COUPLE_OLD, COUPLE_MIXED, COUPLE, FAMILY, SINGLE_PARENT = range(7)
_ADULTS = np.array([1, 1, 2, 2, 2, 2, 1])

# Seed purposes.
_GEO, _NEW_BUILDS, _PERSONS, _SOURCES, _EVENTS, _BSN, _BORDER = range(7)

_CORPORATION_PREFIX = {"weller": "WEL", "heemwonen": "HEEM", "wonenlimburg": "WL"}
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class GenerationResult:
    files: list[Path]
    inhabitants: int  # of the last year (month mode: of the month's year, not written)
    addresses: int  # in the last year's BAG
    rows: int  # all data rows written


def _rng(seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, *parts]))


def _day(value: date) -> int:
    return (value - _EPOCH).days


def _last_day(last: date) -> int:
    """The last day dates are drawn up to: the period's end, or today while it runs (a
    delivery never holds future dates; only then does the output depend on the day)."""
    return _day(min(last, date.today()))


def _jan1_days(years: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of 1 January of each year."""
    return (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


# --- BSNs -------------------------------------------------------------------------------------
N_STEMS = 9_000_000 * 9  # 7-digit prefixes 1000000..9999999, 9 valid 8th digits each


class BsnMap:
    """A bijection from person sequence numbers [0, N_STEMS) onto valid 9-digit BSNs.

    An affine permutation modulo N_STEMS scatters the sequence; the result k is written as
    a 7-digit prefix (k // 9) and the (k % 9)-th eighth digit for which a check digit
    exists (of the ten, at most one leaves remainder 10), followed by that check digit.
    """

    def __init__(self, seed: int) -> None:
        rng = _rng(seed, _BSN)
        a = int(rng.integers(N_STEMS // 3, N_STEMS))
        while math.gcd(a, N_STEMS) != 1:
            a += 1
        self.a, self.b = a, int(rng.integers(0, N_STEMS))

    def __call__(self, sequence: np.ndarray) -> np.ndarray:
        k = (self.a * (np.asarray(sequence, dtype=np.int64) % N_STEMS) + self.b) % N_STEMS
        prefix = 1_000_000 + k // 9
        j = k % 9
        digits = (prefix[:, None] // 10 ** np.arange(6, -1, -1)) % 10
        partial = (digits * np.arange(9, 2, -1)).sum(axis=1) % 11
        invalid = ((10 - partial) * 6) % 11  # the 8th digit that would need check digit 10
        eighth = j + ((invalid <= 9) & (j >= invalid))
        check = (partial + 2 * eighth) % 11
        return prefix * 100 + eighth * 10 + check


# --- small vectorised helpers -------------------------------------------------------------------
def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
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


def _pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """k distinct indices, drawn without replacement with probability ~ weights."""
    n = len(weights)
    k = min(max(int(k), 0), n)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    keys = rng.exponential(size=n) / np.maximum(weights, 1e-12)
    if k == n:
        return np.arange(n)
    return np.sort(np.argpartition(keys, k - 1)[:k])


def _choice(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """k indices drawn with replacement with probability ~ weights."""
    cumulative = np.cumsum(weights, dtype=float)
    return np.searchsorted(cumulative, rng.random(k) * cumulative[-1], side="right").clip(0, len(weights) - 1)


def _zscore(values: np.ndarray) -> np.ndarray:
    sd = values.std()
    return (values - values.mean()) / (sd if sd > 0 else 1.0)


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.arange(len(values))
    return ranks


def _trajectories(rng: np.random.Generator, n: int, start: int, end: int, earliest: np.ndarray,
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


# --- geometry -------------------------------------------------------------------------------------
_TRANSFORMER = None


def _to_rd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    global _TRANSFORMER
    if _TRANSFORMER is None:
        from pyproj import Transformer

        _TRANSFORMER = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    return _TRANSFORMER.transform(lon, lat)


def _inner(polygon):
    """The polygon shrunk by about 2 m, so that rounded or re-projected points stay inside."""
    inner = polygon.buffer(-2e-5)
    inner = inner if not inner.is_empty and inner.area > 0.05 * polygon.area else polygon
    shapely.prepare(inner)
    return inner


def _uniform_points(rng: np.random.Generator, polygon, count: int) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    chosen: list[np.ndarray] = []
    have = 0
    while have < count:
        trial = rng.uniform((minx, miny), (maxx, maxy), size=(max(count - have, 16) * 3, 2))
        trial = trial[shapely.contains_xy(polygon, trial[:, 0], trial[:, 1])]
        chosen.append(trial)
        have += len(trial)
    return np.concatenate(chosen)[:count] if chosen else np.zeros((0, 2))


def _points_near(rng: np.random.Generator, polygon, centres: np.ndarray, sigma: float | np.ndarray) -> np.ndarray:
    """One point per centre, normally scattered around it (sigma per centre or for all),
    always inside the polygon."""
    points = centres.copy()
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), (len(centres),))
    todo = np.arange(len(centres))
    for _ in range(30):
        if len(todo) == 0:
            break
        trial = centres[todo] + rng.normal(0, 1, size=(len(todo), 2)) * sigma[todo, None]
        inside = shapely.contains_xy(polygon, trial[:, 0], trial[:, 1])
        points[todo[inside]] = trial[inside]
        todo = todo[~inside]
    return points  # leftovers keep their centre, which lies inside


def _pc4_parts(inner, wijken: list[reference.Wijk], municipality_code: str) -> tuple[list, np.ndarray]:
    """The parts of a PC4 polygon in each wijk, and the rest outside every wijk, with the
    weight of each for placing dwellings: area ** WIJK_AREA_POWER, times
    SCATTERED_WIJK_WEIGHT in a wijk of scattered houses and OTHER_MUNICIPALITY_WIJK_WEIGHT
    in another municipality's wijk or outside every wijk."""
    parts, weights, rest = [], [], inner
    for wijk in wijken:
        if not wijk.geometry.intersects(inner):
            continue
        part = inner.intersection(wijk.geometry)
        rest = rest.difference(wijk.geometry)
        if part.area < MIN_PART_SHARE * inner.area:  # slivers of generalised boundaries
            continue
        factor = SCATTERED_WIJK_WEIGHT if "verspreide huizen" in wijk.name.lower() else 1.0
        if wijk.municipality_code != municipality_code:
            factor *= OTHER_MUNICIPALITY_WIJK_WEIGHT
        parts.append(part)
        weights.append(part.area ** WIJK_AREA_POWER * factor)
    if rest.area >= MIN_PART_SHARE * inner.area:
        parts.append(rest)
        weights.append(rest.area ** WIJK_AREA_POWER * OTHER_MUNICIPALITY_WIJK_WEIGHT)
    for part in parts:
        shapely.prepare(part)
    return parts, np.array(weights)


# --- the unit of work: one municipality of one tile -------------------------------------------------
@dataclass
class _Unit:
    tile: int
    code: str  # municipality code in scope (GM0917, or GM9xxx for a tile)
    copies: str  # the real municipality whose figures it takes
    areas: list[reference.Pc4Area]
    scale: float  # tile scale
    figures: dict[int, reference.MunicipalityFigures]  # year -> figures of `copies`
    woz_targets: dict[int, float]
    wmo_per_1000: dict[int, float]
    corporations: list[str]  # partner codes delivering tenancies here
    bsn_offset: int  # first person sequence number of this unit within a year
    wijken: list[reference.Wijk]  # of this tile
    variation: Variation  # the rates without a CBS figure (straatkubus.synth.variation)

    @property
    def number(self) -> int:
        return int(self.code[2:])

    def households(self, year: int) -> int:
        return max(round(self.figures[year].households * self.scale), 1)

    def inhabitants(self, year: int) -> int:
        return max(round(self.figures[year].inhabitants * self.scale), self.households(year))


@dataclass
class _Geography:
    """Addresses and PC6 areas of a unit, for every year up to the horizon."""

    pc6_pc4_number: np.ndarray  # PC4 as a number, per PC6
    pc6_letter: np.ndarray  # index into PC6_LETTERS, per PC6
    pc6_pc4: np.ndarray  # index into unit.areas
    dep_base: np.ndarray
    dep_drift: np.ndarray  # yearly change of deprivation (the PC4's drift)
    deteriorates: np.ndarray
    ageing: np.ndarray  # PC4 65+ log-odds (relative) plus a PC6 component
    youth: np.ndarray  # PC4 log share of children (relative)
    owner: np.ndarray  # index into unit.corporations
    addr_id: np.ndarray  # int64, 16 digits when zero-padded
    pc6: np.ndarray
    number: np.ndarray
    use: np.ndarray  # index into USES
    floor: np.ndarray
    built: np.ndarray
    x: np.ndarray
    y: np.ndarray
    lonlat: np.ndarray  # WGS84 (n, 2), whatever the delivered coordinate system
    first_year: np.ndarray
    last_year: np.ndarray  # demolished after this year (9999: standing)
    corp_score: np.ndarray
    woz_rel: np.ndarray
    wgs84: bool

    def deprivation(self, year: int) -> np.ndarray:
        drift = self.dep_drift + DETERIORATION_PER_YEAR * self.deteriorates
        return self.dep_base + max(year - BASE_YEAR, 0) * drift

    def present(self, year: int) -> np.ndarray:
        year = max(year, BASE_YEAR)
        return (self.first_year <= year) & (self.last_year >= year)


@dataclass
class _Guest:
    """Addresses of a neighbour's PC6 that a unit delivers (see "Border PC6 areas")."""

    pc4_number: int
    letter: int  # index into PC6_LETTERS
    count: int
    first_number: int  # house numbers first_number, first_number + 1, ...
    region: BaseGeometry  # lon/lat polygon: the stretch of the PC6's PC4 inside this unit
    anchor: tuple[float, float]  # the point of the region nearest the PC6's centre


@dataclass
class _Border:
    """A unit's share in the border PC6 areas: house numbers its own border PC6 areas
    lend to a neighbour, and the neighbours' PC6 areas it delivers addresses of."""

    reserved: dict[int, int]  # own PC6 index -> house numbers lent
    guests: list[_Guest]


def _dwelling_need(unit: _Unit, year: int) -> int:
    fig = unit.figures[year]
    return math.ceil(unit.households(year) / (1 - fig.pct_vacant / 100))


def _build_geography(unit: _Unit, seed: int, horizon: int, border: _Border | None = None) -> _Geography:
    rng = _rng(seed, _GEO, unit.tile, unit.number)
    areas = unit.areas
    base = _dwelling_need(unit, BASE_YEAR)
    per_pc4 = _apportion(base, np.array([a.inhabitants_2021 for a in areas], float) + 1)

    # PC6 areas: about DWELLINGS_PER_PC6 dwellings each, sizes varying.
    pc6_pc4, res_count, letters = [], [], []
    for index, dwellings in enumerate(per_pc4):
        if dwellings == 0:
            continue
        n6 = int(np.clip(round(dwellings / DWELLINGS_PER_PC6), 1, len(PC6_LETTERS)))
        sizes = 1 + rng.multinomial(dwellings - n6, rng.dirichlet(np.full(n6, 4.0)))
        pc6_pc4 += [index] * n6
        res_count.append(sizes)
        letters += sorted(rng.choice(len(PC6_LETTERS), size=n6, replace=False).tolist())
    pc6_pc4 = np.array(pc6_pc4, dtype=np.int64)
    res_count = np.concatenate(res_count)
    n6 = len(pc6_pc4)
    pc6_pc4_number = np.array([int(a.pc4) for a in areas], dtype=np.int64)[pc6_pc4]
    pc6_letter = np.array(letters, dtype=np.int64)

    dep_pc4 = rng.normal(0, 0.75, len(areas))
    dep_base = dep_pc4[pc6_pc4] + rng.normal(0, 0.6, n6)
    deteriorates = rng.random(n6) < DETERIORATING_SHARE
    dep_drift = _rng(seed, _GEO, unit.tile, unit.number, 1).normal(0, PC4_DRIFT_PER_YEAR, len(areas))[pc6_pc4]
    share65 = np.array([min(max(a.share_65plus, 0.05), 0.6) for a in areas])
    logit = np.log(share65 / (1 - share65))
    ageing = (logit - np.average(logit, weights=per_pc4 + 1e-9))[pc6_pc4] + rng.normal(0, 0.6, n6)
    share014 = np.log(np.array([min(max(a.share_0_14, 0.05), 0.4) for a in areas]))
    youth = (share014 - np.average(share014, weights=per_pc4 + 1e-9))[pc6_pc4]
    owner = rng.integers(0, max(len(unit.corporations), 1), n6)
    era = np.select([rng.random(n6) < 0.12, rng.random(n6) < 0.5 + 0.1 * np.tanh(dep_base)],
                    [rng.integers(1880, 1945, n6), rng.integers(1945, 1980, n6)],
                    rng.integers(1980, 2021, n6))

    # Base stock: dwellings and some non-residential addresses, house numbers per PC6.
    nonres_count = rng.multinomial(max(round(NON_RESIDENTIAL_SHARE * base), 1), res_count / res_count.sum())
    total = res_count + nonres_count
    pc6 = np.repeat(np.arange(n6), total)
    block_start = np.concatenate([[0], np.cumsum(total)[:-1]])
    slot = np.arange(len(pc6)) - block_start[pc6]
    residential_block = slot < res_count[pc6]
    residential = residential_block[np.argsort(pc6 + rng.random(len(pc6)), kind="stable")]
    number = slot + 1
    first_year = np.full(len(pc6), BASE_YEAR)

    # New builds and demolitions per year, each year from its own stream (so that earlier
    # years never change): the dwelling stock follows households and vacancy exactly.
    counts = total.copy()
    if border is not None:  # numbers lent to a neighbour's addresses of a border PC6
        for index, lent in border.reserved.items():
            counts[index] += lent
    growth = np.where(rng.random(n6) < 0.05, 20.0, 1.0) * res_count
    stock = base
    last_year = np.full(len(pc6), 9999)
    new_parts = []
    for year in range(BASE_YEAR + 1, horizon + 1):
        need = _dwelling_need(unit, year)
        k = max(need - stock, math.ceil(NEW_BUILD_RATE * stock))
        year_rng = _rng(seed, _NEW_BUILDS, unit.tile, unit.number, year)
        standing = np.flatnonzero(residential & (last_year == 9999))
        last_year[standing[_pick(year_rng, np.ones(len(standing)), stock + k - need)]] = year - 1
        stock = need
        where = np.sort(_choice(year_rng, growth, k))
        rank = np.arange(k) - np.searchsorted(where, where, side="left")
        new_parts.append((year, where, counts[where] + rank + 1, year_rng))
        counts += np.bincount(where, minlength=n6)
    all_pc6 = np.concatenate([pc6] + [p[1] for p in new_parts])
    n = len(all_pc6)
    number = np.concatenate([number] + [p[2] for p in new_parts])
    residential = np.concatenate([residential] + [np.ones(len(p[1]), bool) for p in new_parts])
    first_year = np.concatenate([first_year] + [np.full(len(p[1]), p[0]) for p in new_parts])
    last_year = np.concatenate([last_year] + [np.full(len(p[1]), 9999) for p in new_parts])

    # Points: PC6 centres spread over the PC4's parts in each wijk (see _pc4_parts), uniformly
    # inside a part; addresses scattered around their centre, inside the same part.
    centres = np.zeros((n6, 2))
    lonlat = np.zeros((n, 2))
    sigma = np.zeros(n6)
    polygons, pc6_part = [], np.zeros(n6, dtype=np.int64)
    for index in np.unique(pc6_pc4):
        inner = _inner(areas[index].geometry)
        members = np.flatnonzero(pc6_pc4 == index)
        parts, weights = _pc4_parts(inner, unit.wijken, unit.code)
        if not parts:
            parts, weights = [inner], np.ones(1)
        first = 0
        for part, count in zip(parts, _apportion(len(members), weights), strict=True):
            if count == 0:
                continue
            chosen = members[first:first + count]
            centres[chosen] = _uniform_points(rng, part, count)
            sigma[chosen] = math.sqrt(part.area / count) / 3
            pc6_part[chosen] = len(polygons)
            polygons.append(part)
            first += count
    new_start = len(pc6)
    addr_part = pc6_part[all_pc6]
    for index, polygon in enumerate(polygons):
        members = np.flatnonzero(addr_part[:new_start] == index)
        lonlat[members] = _points_near(rng, polygon, centres[all_pc6[members]], sigma[all_pc6[members]])
    offset = new_start
    for _, where, _, year_rng in new_parts:
        for index in np.unique(pc6_part[where]):
            members = offset + np.flatnonzero(pc6_part[where] == index)
            lonlat[members] = _points_near(year_rng, polygons[index], centres[all_pc6[members]],
                                           sigma[all_pc6[members]])
        offset += len(where)

    # Attributes: use, floor area, building year, WOZ base value, corporation propensity. The
    # base stock draws from the geography stream, each year's new builds from their own.
    dep = dep_base[all_pc6]
    m = new_start
    use = np.zeros(n, dtype=np.int64)
    use[:m][~residential[:m]] = 1 + _choice(rng, _NON_RESIDENTIAL_P, int((~residential[:m]).sum()))
    floor = np.empty(n)
    floor[:m] = np.where(residential[:m], np.exp(rng.normal(np.log(105) - 0.1 * dep[:m], 0.28)).clip(25, 600),
                         np.exp(rng.normal(np.log(220), 0.9, m)).clip(10, 20000))
    built = np.empty(n, dtype=np.int64)
    built[:m] = np.clip(era[all_pc6[:m]] + np.round(rng.normal(0, 4, m)), 1850, BASE_YEAR - 1)
    era_effect = np.select([built[:m] < 1945, built[:m] < 1980, built[:m] >= 2000], [0.05, -0.12, 0.15], 0.0)
    woz_rel = np.empty(n)
    woz_rel[:m] = np.exp(0.85 * np.log(floor[:m] / 100) - 0.22 * dep[:m] + era_effect + rng.normal(0, 0.18, m))
    pc6_corp = rng.normal(0, 0.5, n6)
    corp_score = 1.1 * dep + pc6_corp[all_pc6]
    corp_score[:m] += rng.normal(0, 0.8, m)
    for year, _, _, year_rng in new_parts:  # new builds: modern, somewhat larger, pricier
        members = np.flatnonzero(first_year == year)
        floor[members] = np.exp(year_rng.normal(np.log(115), 0.2, len(members))).clip(40, 400)
        built[members] = year - 1
        woz_rel[members] = np.exp(0.85 * np.log(floor[members] / 100) + 0.2 - 0.22 * dep[members]
                                  + year_rng.normal(0, 0.15, len(members)))
        corp_score[members] += year_rng.normal(0, 0.8, len(members))

    if border is not None and border.guests:
        extra = _place_guests(_rng(seed, _BORDER, unit.tile, unit.number, 1), border.guests,
                              all_pc6, number, lonlat, new_start, n6)
        pc6_pc4_number = np.concatenate([pc6_pc4_number, [g.pc4_number for g in border.guests]])
        pc6_letter = np.concatenate([pc6_letter, [g.letter for g in border.guests]]).astype(np.int64)
        pc6_pc4, dep_base, dep_drift, deteriorates, ageing, youth, owner = (
            np.concatenate([values, values[extra]])
            for values in (pc6_pc4, dep_base, dep_drift, deteriorates, ageing, youth, owner))

    wgs84 = unit.copies in WGS84_MUNICIPALITIES
    if wgs84:
        x, y = lonlat[:, 0], lonlat[:, 1]
    else:
        x, y = _to_rd(lonlat[:, 0], lonlat[:, 1])
    addr_id = unit.number * 10**12 + 20 * 10**10 + np.arange(n, dtype=np.int64)
    return _Geography(
        pc6_pc4_number=pc6_pc4_number, pc6_letter=pc6_letter, pc6_pc4=pc6_pc4, dep_base=dep_base,
        dep_drift=dep_drift, deteriorates=deteriorates, ageing=ageing, youth=youth, owner=owner,
        addr_id=addr_id, pc6=all_pc6, number=number, use=use,
        floor=np.round(floor).astype(np.int64), built=built, x=np.asarray(x), y=np.asarray(y), lonlat=lonlat,
        first_year=first_year, last_year=last_year, corp_score=corp_score, woz_rel=woz_rel, wgs84=wgs84)


def _place_guests(rng: np.random.Generator, guests: list[_Guest], pc6: np.ndarray, number: np.ndarray,
                  lonlat: np.ndarray, base: int, n6: int) -> np.ndarray:
    """Give base-stock addresses near each guest's region the guest's PC6 (new PC6 indices
    n6, n6 + 1, ...) and house numbers, and move them into the region (in place). They
    all come from one PC6 (the one of the nearest address), whose attributes the new PC6
    copies, so that nothing drawn later changes; returns that PC6 per guest."""
    free = np.ones(base, bool)
    points = shapely.points(lonlat[:base])
    origin = np.zeros(len(guests), dtype=np.int64)
    for index, guest in enumerate(guests):
        free_now = np.flatnonzero(free)
        minx, miny, maxx, maxy = guest.region.bounds
        for margin in (0.005, 0.02, np.inf):  # degrees: look near the region first
            x, y = lonlat[free_now, 0], lonlat[free_now, 1]
            candidates = free_now[(x > minx - margin) & (x < maxx + margin) & (y > miny - margin) & (y < maxy + margin)]
            distance = shapely.distance(guest.region, points[candidates])
            if len(candidates) and distance.min() <= margin:  # then no point outside is nearer
                break
        origin[index] = pc6[candidates[np.argmin(distance)]]
        same = pc6[candidates] == origin[index]
        candidates, distance = candidates[same], distance[same]
        chosen = candidates[np.argsort(distance, kind="stable")[:guest.count]]
        free[chosen] = False
        pc6[chosen] = n6 + index
        number[chosen] = guest.first_number + np.arange(len(chosen))
        shapely.prepare(guest.region)
        lonlat[chosen] = _points_near(rng, guest.region, np.tile(guest.anchor, (len(chosen), 1)), 2e-4)
    return origin


def _border_plan(units: list[_Unit], seed: int, boundaries: dict[str, BaseGeometry],
                 share: float) -> dict[str, _Border]:
    """Choose the border PC6 areas (see "Border PC6 areas") from the base-year geography
    of every unit, per tile; returns each unit's share in them."""
    plans = {unit.code: _Border(reserved={}, guests=[]) for unit in units}
    if share <= 0:
        return plans

    def to_rd(geometry):
        return shapely.transform(geometry, lambda c: np.column_stack(_to_rd(c[:, 0], c[:, 1])))

    for tile in sorted({unit.tile for unit in units}):
        members = [unit for unit in units if unit.tile == tile]
        inner = {unit.code: boundaries[unit.code].buffer(-5e-5) for unit in members}
        for unit in members:
            geo = _build_geography(unit, seed, BASE_YEAR)
            n6 = len(geo.pc6_letter)
            size = np.bincount(geo.pc6, minlength=n6)
            centres = np.column_stack([np.bincount(geo.pc6, weights=geo.lonlat[:, k], minlength=n6)
                                       for k in (0, 1)]) / np.maximum(size, 1)[:, None]
            centres_rd = shapely.points(np.column_stack(_to_rd(centres[:, 0], centres[:, 1])))
            regions, candidates = [], []
            for area in np.unique(geo.pc6_pc4):
                own = _inner(unit.areas[area].geometry)
                for neighbour in members:
                    if neighbour is unit:
                        continue
                    region = own.intersection(inner[neighbour.code])
                    region_rd = to_rd(region)
                    if region.is_empty or region_rd.area < BORDER_REGION_MIN_M2:
                        continue
                    pc6 = np.flatnonzero(geo.pc6_pc4 == area)
                    distance = shapely.distance(region_rd, centres_rd[pc6])
                    near = distance <= BORDER_SEARCH_M
                    candidates += [(d, int(p), len(regions)) for d, p in zip(distance[near], pc6[near], strict=True)]
                    regions.append((neighbour.code, region))
            if not candidates:
                continue
            rng = _rng(seed, _BORDER, unit.tile, unit.number)
            keys = np.array([d for d, _, _ in candidates]) * np.exp(rng.normal(0, 0.5, len(candidates)))
            wanted, chosen = round(share * n6), set()
            for position in np.argsort(keys, kind="stable"):
                _, pc6, region_index = candidates[position]
                if len(chosen) >= wanted:
                    break
                if pc6 in chosen:
                    continue
                chosen.add(pc6)
                neighbour, region = regions[region_index]
                count = int(rng.integers(BORDER_ADDRESSES[0], BORDER_ADDRESSES[1] + 1))
                target = region.buffer(-1e-5)
                target = target if not target.is_empty else region
                anchor = shapely.get_point(shapely.shortest_line(target, shapely.Point(centres[pc6])), 0)
                plans[unit.code].reserved[pc6] = count
                plans[neighbour].guests.append(_Guest(
                    pc4_number=int(geo.pc6_pc4_number[pc6]), letter=int(geo.pc6_letter[pc6]), count=count,
                    first_number=int(size[pc6]) + 1, region=region, anchor=(anchor.x, anchor.y)))
    return plans


# --- persons and households of one unit and year ----------------------------------------------------
@dataclass
class _Population:
    dwellings: np.ndarray  # address indices of the dwellings this year
    corporation: np.ndarray  # bool per dwelling
    hh_address: np.ndarray  # address index per household (households ordered by address)
    hh_type: np.ndarray
    hh_size: np.ndarray
    hh_first: np.ndarray  # person index of the reference person
    income: np.ndarray  # % of the social minimum, one decimal
    bsn: np.ndarray
    birth: np.ndarray  # days since 1970-01-01
    age: np.ndarray  # completed years on 1 January
    hh: np.ndarray  # household index per person
    dep: np.ndarray  # deprivation of the person's PC6
    pc6: np.ndarray  # PC6 index per person


def _household_counts(persons: int, households: int, one_person_share: float, elderly: int,
                      elderly_alone_share: float, single_parent_share: float) -> dict[int, int]:
    """Households per type so that sizes add up to `persons` and exactly `elderly` adults
    are 65+ (all in elderly singles and couples)."""
    singles = min(max(round(households * one_person_share), 2 * households - persons, 0), households)
    multi = households - singles
    extra = persons - singles - 2 * multi  # members beyond two per multi-person household
    parents = min(round(single_parent_share * multi), multi)
    dependants = extra + parents
    families = int(np.clip(round(dependants / DEPENDANTS_PER_FAMILY) - parents, 0, min(extra, multi - parents)))
    couples = multi - parents - families
    alone_old = min(singles, round(elderly_alone_share * elderly))
    in_couples = elderly - alone_old
    if in_couples > 2 * couples:
        alone_old = min(singles, elderly - 2 * couples)
        in_couples = min(elderly - alone_old, 2 * couples)
    return {SINGLE_OLD: alone_old, SINGLE: singles - alone_old, COUPLE_OLD: in_couples // 2,
            COUPLE_MIXED: in_couples % 2, COUPLE: couples - in_couples // 2 - in_couples % 2,
            FAMILY: families, SINGLE_PARENT: parents, -1: dependants}


def _build_population(unit: _Unit, geo: _Geography, year: int, seed: int, bsn_map: BsnMap,
                      bsn_base: int) -> _Population:
    rng = _rng(seed, _PERSONS, unit.tile, unit.number, year)
    fig = unit.figures[year]
    persons, households = unit.inhabitants(year), unit.households(year)
    elderly = round(persons * fig.pct_65plus / 100)
    counts = _household_counts(persons, households, fig.pct_one_person_households / 100, elderly,
                               unit.variation.elderly_alone_share(year),
                               unit.variation.rate("single_parent_share", year))
    dependants = counts.pop(-1)

    # Dwellings: all corporation dwellings are occupied, the others at random.
    dwellings = np.flatnonzero(geo.present(year) & (geo.use == 0))
    n = len(dwellings)
    corp_count = min(round(fig.pct_corporation_dwellings / 100 * n), households)
    corporation = np.zeros(n, bool)
    corporation[np.argsort(-geo.corp_score[dwellings], kind="stable")[:corp_count]] = True
    dep_all = geo.deprivation(year)
    dwell_dep = dep_all[geo.pc6[dwellings]]
    others = np.flatnonzero(~corporation)
    occupied_other = others[_pick(rng, np.exp(-0.3 * dwell_dep[others]), households - corp_count)]
    occupied = np.sort(np.concatenate([np.flatnonzero(corporation), occupied_other]))

    # Household types placed in the occupied dwellings, sequentially by affinity.
    d = dwell_dep[occupied]
    a = geo.ageing[geo.pc6[dwellings[occupied]]]
    y = geo.youth[geo.pc6[dwellings[occupied]]]
    corp = corporation[occupied].astype(float)
    roomy = _zscore(np.log(geo.floor[dwellings[occupied]]))
    affinity = {
        SINGLE_OLD: 0.8 * a + 0.3 * corp,
        COUPLE_OLD: 0.6 * a - 0.3 * d - 0.5 * corp,
        COUPLE_MIXED: 0.5 * a,
        SINGLE_PARENT: 1.0 * d + 0.7 * corp + 2.0 * y,
        SINGLE: 0.5 * d + 0.4 * corp - 0.3 * roomy,
        FAMILY: -0.4 * d + 0.5 * roomy - 0.3 * corp + 3.0 * y,
    }
    hh_type = np.full(households, COUPLE)
    free = np.ones(households, bool)
    for kind, score in affinity.items():
        candidates = np.flatnonzero(free)
        chosen = candidates[_pick(rng, np.exp(score[candidates]), counts[kind])]
        hh_type[chosen] = kind
        free[chosen] = False

    # Dependants: at least one per family and single-parent household.
    with_kids = np.flatnonzero((hh_type == FAMILY) | (hh_type == SINGLE_PARENT))
    kids = np.zeros(households, dtype=np.int64)
    if len(with_kids):
        share = np.where(hh_type[with_kids] == FAMILY, 1.0, 0.6)
        kids[with_kids] = 1 + rng.multinomial(dependants - len(with_kids), share / share.sum())
    adults = _ADULTS[hh_type]
    size = adults + kids
    first = np.concatenate([[0], np.cumsum(size)[:-1]])
    hh = np.repeat(np.arange(households), size)
    member = np.arange(persons) - first[hh]
    kind = hh_type[hh]
    is_kid = member >= _ADULTS[kind]

    # Ages on 1 January: exactly `elderly` persons 65+, about pct_0_14 children under 15.
    age = np.zeros(persons, dtype=np.int64)
    young_target = min(round(persons * fig.pct_0_14 / 100), int(is_kid.sum()))
    kid_index = np.flatnonzero(is_kid)
    young = np.zeros(len(kid_index), bool)
    young[rng.permutation(len(kid_index))[:young_target]] = True
    age[kid_index] = np.where(young, rng.integers(0, 15, len(kid_index)),
                              15 + np.floor(20 * rng.beta(1.0, 2.6, len(kid_index))))
    oldest_kid = np.zeros(households, dtype=np.int64)
    np.maximum.at(oldest_kid, hh[kid_index], age[kid_index])

    def draw(mask: np.ndarray, values: np.ndarray) -> None:
        age[mask] = values[hh[mask]]

    # Household-level draws for every household, each used by one type below.
    old_age = 65 + np.floor(rng.gamma(1.8, 6.5, households)).clip(0, 39)
    couple_old = 65 + np.floor(rng.gamma(1.5, 6.0, households)).clip(0, 35)
    young_single = 18 + np.floor(47 * rng.beta(1.4, 1.0, households))
    young_couple = 20 + np.floor(45 * rng.beta(1.7, 1.0, households))
    parent = np.minimum(64, oldest_kid + 23 + np.floor(rng.gamma(3.0, 2.7, households)))
    partner_shift = np.round(rng.normal(-2, 3, households))
    mixed_old = 65 + rng.integers(0, 8, households)
    mixed_young = rng.integers(58, 65, households)
    first_member, second_member = member == 0, member == 1
    draw(first_member & (kind == SINGLE_OLD), old_age)
    draw(first_member & (kind == SINGLE), young_single)
    draw(first_member & (kind == COUPLE_OLD), couple_old)
    draw(second_member & (kind == COUPLE_OLD), np.clip(couple_old + partner_shift, 65, 104))
    draw(first_member & (kind == COUPLE_MIXED), mixed_old)
    draw(second_member & (kind == COUPLE_MIXED), mixed_young)
    draw(first_member & (kind == COUPLE), young_couple)
    draw(second_member & (kind == COUPLE), np.clip(young_couple + partner_shift, 18, 64))
    draw(first_member & ((kind == FAMILY) | (kind == SINGLE_PARENT)), parent)
    draw(second_member & (kind == FAMILY), np.clip(parent + partner_shift, np.clip(oldest_kid + 17, 18, 64), 64))
    age = np.maximum(age, 0)
    birth = _jan1_days(year - age) - rng.integers(0, 365, persons)

    # Household income (% of the social minimum): a latent ranks households, then an exact
    # share at or below 110 %.
    type_effect = np.array([-0.2, -0.4, 0.1, 0.1, 0.3, 0.2, -0.8])[hh_type]
    latent = -0.6 * d + type_effect - 0.5 * corp + rng.normal(0, 0.8, households)
    low = min(round(fig.pct_around_social_minimum / 100 * households), households - 1)
    normal = np.sort(rng.normal(0, 1, households))
    boundary = (normal[max(low - 1, 0)] + normal[low]) / 2  # income 110 % lies between these ranks
    ranks = _ranks(latent)
    income = np.exp(math.log(110) + INCOME_SIGMA * (normal[ranks] - boundary))
    income = np.round(np.where(ranks < low, np.minimum(income, 110.0), np.maximum(income, 110.1)), 1)
    income = np.clip(income, 20.0, 9999.9)

    hh_address = dwellings[occupied]
    sequence = bsn_base + unit.bsn_offset + np.arange(persons)
    return _Population(
        dwellings=dwellings, corporation=corporation, hh_address=hh_address, hh_type=hh_type,
        hh_size=size, hh_first=first, income=income, bsn=bsn_map(sequence), birth=birth, age=age,
        hh=hh, dep=dep_all[geo.pc6[hh_address]][hh], pc6=geo.pc6[hh_address][hh])


# --- DuckDB-backed writing ----------------------------------------------------------------------------
def _enum(column: str, values: Iterable[str]) -> str:
    """SQL for the value of a code column (0-based index into `values`)."""
    return "([" + ", ".join(_literal(v) for v in values) + f"])[{column} + 1]"


_LETTER_CODES = np.array([[ord(pair[0]) - 65, ord(pair[1]) - 65] for pair in PC6_LETTERS], dtype=np.int64)
_POSTCODE = "pc4::VARCHAR || chr((65 + l1)::INTEGER) || chr((65 + l2)::INTEGER)"


def _postcode_columns(geo: _Geography, pc6: np.ndarray) -> dict[str, np.ndarray]:
    """Frame columns from which _POSTCODE builds the postcodes of PC6 indices."""
    letters = _LETTER_CODES[geo.pc6_letter[pc6]]
    return {"pc4": geo.pc6_pc4_number[pc6], "l1": letters[:, 0], "l2": letters[:, 1]}


def _date(column: str) -> str:
    return f"DATE '1970-01-01' + {column}::INTEGER"


def _nullable_date(column: str) -> str:
    return f"CASE WHEN {column} < 0 THEN NULL ELSE DATE '1970-01-01' + {column}::INTEGER END"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _Writer:
    """Writes delivery files with DuckDB's CSV writer; partner files stay open for appending."""

    def __init__(self, out_dir: Path) -> None:
        import duckdb

        self.out_dir = out_dir
        self.con = duckdb.connect()
        self.con.execute("SET threads TO 2")
        self.con.execute("SET preserve_insertion_order = true")
        self.con.execute("SET enable_progress_bar = false")
        self.files: list[Path] = []
        self.rows = 0
        self._open: dict[Path, object] = {}
        self._part = out_dir / ".generate-part.csv"

    def _copy(self, frame: dict, select: list[tuple[str, str]], target: Path, header: bool) -> int:
        frame = {name: np.ascontiguousarray(values) for name, values in frame.items()}
        self.con.register("frame", frame)
        try:
            columns = ", ".join(f'{expression} AS "{name}"' for name, expression in select)
            path = str(target).replace("'", "''")
            self.con.execute(f"COPY (SELECT {columns} FROM frame) TO '{path}' "
                             f"(FORMAT CSV, HEADER {str(header).lower()}, DELIMITER ',')")
        finally:
            self.con.unregister("frame")
        return len(next(iter(frame.values())))

    def write(self, source: str, sender: str, period: str, frame: dict,
              select: list[tuple[str, str]], append: bool = False) -> None:
        names = [name for name, _ in select]
        if names != CONTRACTS[source].column_names:
            raise AssertionError(f"{source}: columns {names} differ from its contract")
        path = self.out_dir / delivery_filename(source, sender, period)
        if not append:
            self.rows += self._copy(frame, select, path, header=True)
            self.files.append(path)
            return
        if path not in self._open:
            handle = open(path, "wb")  # noqa: SIM115 (closed by close())
            handle.write((",".join(names) + "\n").encode())
            self._open[path] = handle
            self.files.append(path)
        rows = self._copy(frame, select, self._part, header=False)
        if rows:
            with open(self._part, "rb") as part:
                shutil.copyfileobj(part, self._open[path], 1 << 20)
        self.rows += rows

    def close(self) -> None:
        for handle in self._open.values():
            handle.close()
        self._open.clear()
        self._part.unlink(missing_ok=True)
        self.con.close()


# --- sources ----------------------------------------------------------------------------------------
def _municipality(unit: _Unit) -> str:
    return _literal(unit.code)


def _write_bag(writer: _Writer, unit: _Unit, geo: _Geography, year: int) -> int:
    rows = np.flatnonzero(geo.present(year))
    decimals = "DECIMAL(11,7)" if geo.wgs84 else "DECIMAL(10,3)"
    writer.write("bag_addresses", unit.code, str(year), {
        "id": geo.addr_id[rows], **_postcode_columns(geo, geo.pc6[rows]),
        "number": geo.number[rows], "use": geo.use[rows],
        "floor": geo.floor[rows], "built": geo.built[rows], "x": geo.x[rows], "y": geo.y[rows],
    }, [
        ("address_id", "lpad(id::VARCHAR, 16, '0')"), ("postcode", _POSTCODE), ("house_number", "number"),
        ("municipality_code", _municipality(unit)), ("use", _enum("use", USES)), ("floor_area", "floor"),
        ("building_year", "built"), ("x", f"x::{decimals}"), ("y", f"y::{decimals}"),
        ("crs", _literal("EPSG:4326" if geo.wgs84 else "EPSG:28992")),
    ])
    return len(rows)


def _woz_target(unit: _Unit, year: int) -> float:
    return unit.woz_targets[year]


def _write_trajectories(writer: _Writer, unit: _Unit, period: str, source: str, bsn: np.ndarray,
                        kind: np.ndarray, begin: np.ndarray, finish: np.ndarray) -> None:
    """A source of (bsn, municipality, kind, start, end) rows."""
    kind_column = CONTRACTS[source].columns[2]
    writer.write(source, unit.code, period, {"bsn": bsn, "kind": kind, "begin": begin, "finish": finish}, [
        ("bsn", "bsn"), ("municipality_code", _municipality(unit)),
        (kind_column.name, _enum("kind", kind_column.values)),
        ("start_date", _date("begin")), ("end_date", _nullable_date("finish")),
    ])


def _write_municipal(writer: _Writer, unit: _Unit, geo: _Geography, pop: _Population, year: int,
                     seed: int) -> None:
    rng = _rng(seed, _SOURCES, unit.tile, unit.number, year)
    code, period = unit.code, str(year)
    start, end = _day(date(year, 1, 1)), _last_day(date(year, 12, 31))
    muni = _municipality(unit)
    persons, households = len(pop.bsn), len(pop.hh_type)

    writer.write("brp_persons", code, period, {
        "bsn": pop.bsn, "birth": pop.birth, "id": geo.addr_id[pop.hh_address][pop.hh], "hh": pop.hh,
    }, [
        ("bsn", "bsn"), ("birth_date", _date("birth")), ("address_id", "lpad(id::VARCHAR, 16, '0')"),
        ("household_id", f"'{code}-{year}-' || lpad(hh::VARCHAR, 7, '0')"), ("municipality_code", muni),
    ])

    # WOZ: every dwelling; base values persist, scaled to the municipal mean of the year.
    dwellings = pop.dwellings
    dep_now = geo.deprivation(year)[geo.pc6[dwellings]]
    dep_then = geo.dep_base[geo.pc6[dwellings]]
    value = geo.woz_rel[dwellings] * np.exp(-0.22 * (dep_now - dep_then) + rng.normal(0, 0.03, len(dwellings)))
    value = np.maximum(np.round(value * _woz_target(unit, year) / value.mean()), 1000).astype(np.int64)
    writer.write("woz_values", code, period, {"id": geo.addr_id[dwellings], "woz": value}, [
        ("address_id", "lpad(id::VARCHAR, 16, '0')"), ("municipality_code", muni),
        ("valuation_date", f"DATE '{year - 1}-01-01'"), ("woz_value", "woz"),
    ])

    ref_bsn = pop.bsn[pop.hh_first]
    writer.write("household_income", code, period, {"bsn": ref_bsn, "income": pop.income}, [
        ("bsn", "bsn"), ("municipality_code", muni), ("income_pct_social_minimum", "income::DECIMAL(7,1)"),
    ])

    fig = unit.figures[year]
    ref_age = pop.age[pop.hh_first]
    hh_dep = pop.dep[pop.hh_first]

    # Bijstand: adults of working age in low-income households, mostly the reference person.
    working = np.flatnonzero((ref_age >= 18) & (ref_age < 67))
    adults_working = int(((pop.age >= 18) & (pop.age < 67)).sum())
    rate = unit.variation.rate
    count = round(BIJSTAND_PER_PCT_MINIMUM * fig.pct_around_social_minimum * adults_working * rate("bijstand", year))
    weight = np.exp(-np.maximum(pop.income[working] - 105, 0) / 12 + 0.3 * hh_dep[working])
    chosen = working[_pick(rng, weight, count)]
    who = pop.hh_first[chosen]
    kind = np.where(pop.age[who] >= 55, _choice(rng, np.array([0.80, 0.17, 0.03]), len(who)),
                    _choice(rng, np.array([0.97, 0.0, 0.03]), len(who)))
    begin, finish = _trajectories(rng, len(who), start, end, pop.birth[who] + 18 * 366, 0.75,
                                  rate("long_bijstand_years", year), 0.15)
    _write_trajectories(writer, unit, period, "social_assistance", pop.bsn[who], kind, begin, finish)

    # Debt help: households, weighted to low incomes and deprivation; some in two phases.
    count = round(DEBT_HELP_PER_PCT_MINIMUM * fig.pct_around_social_minimum * households * rate("debt_help", year))
    weight = np.exp(0.6 * hh_dep) * np.where(pop.income <= 130, 4.0, 1.0) * np.where(ref_age < 67, 1.0, 0.2)
    chosen = _pick(rng, weight, count)
    who = pop.hh_first[chosen]
    kind = _choice(rng, np.array([0.35, 0.30, 0.25, 0.10]), len(who))
    begin, finish = _trajectories(rng, len(who), start, end, pop.birth[who] + 18 * 366, 0.6, 1.5, 0.3)
    phase_two = (finish >= 0) & (finish < end) & (rng.random(len(who)) < 0.5)
    bsn = np.concatenate([pop.bsn[who], pop.bsn[who][phase_two]])
    kind = np.concatenate([kind, np.where(kind[phase_two] == 0, 1, np.where(kind[phase_two] == 3, 2, 3))])
    second_end = np.where(rng.random(int(phase_two.sum())) < 0.2, end, -1)
    begin = np.concatenate([begin, finish[phase_two] + 1])
    finish = np.concatenate([finish, second_end])
    _write_trajectories(writer, unit, period, "debt_help", bsn, kind, begin, finish)

    # WMO: exactly the published clients per 1000, mostly 65+, one to three provisions.
    clients = round(unit.wmo_per_1000[year] * persons / 1000)
    age = pop.age
    weight = np.select([age >= 75, age >= 65, age >= 18], [14.0, 4.0, 0.6], 0.12) * np.exp(0.3 * pop.dep)
    who = _pick(rng, weight, clients)
    provisions = 1 + rng.binomial(2, 0.22, len(who))
    type_weights = np.array([0.30, 0.15, 0.07, 0.25, 0.08, 0.15])
    keys = rng.exponential(size=(len(who), 6)) / type_weights
    types = np.argsort(keys, axis=1)[:, :3]
    take = np.arange(3)[None, :] < provisions[:, None]
    person = np.repeat(who, provisions)
    kind = types[take]
    begin, finish = _trajectories(rng, len(person), start, end, pop.birth[person], 0.7, 2.5, 0.2)
    _write_trajectories(writer, unit, period, "wmo_provisions", pop.bsn[person], kind, begin, finish)

    # Youth care: exactly pct_youth_care of persons under 23, concentrated in deprivation.
    under23 = np.flatnonzero(age < 23)
    count = round(fig.pct_youth_care / 100 * len(under23))
    a = age[under23]
    profile = np.select([a < 4, a < 12, a < 18], [0.3, 1.0, 1.4], 0.5)
    single_parent = pop.hh_type[pop.hh[under23]] == SINGLE_PARENT
    low_income = pop.income[pop.hh[under23]] <= 110
    weight = (profile * np.exp(0.5 * pop.dep[under23]) * np.where(single_parent, 1.8, 1.0)
              * np.where(low_income, 1.4, 1.0))
    who = under23[_pick(rng, weight, count)]
    a = age[who]
    first_type = np.where(a >= 12, _choice(rng, np.array([0.76, 0.07, 0.09, 0.08]), len(who)),
                          _choice(rng, np.array([0.82, 0.08, 0.10, 0.0]), len(who)))
    second = rng.random(len(who)) < 0.2
    second_type = np.where(first_type == 0, 1 + 1 * (rng.random(len(who)) < 0.5), 0)[second]
    person = np.concatenate([who, who[second]])
    kind = np.concatenate([first_type, second_type])
    begin, finish = _trajectories(rng, len(person), start, end, pop.birth[person], 0.6, 1.5, 0.35)
    _write_trajectories(writer, unit, period, "youth_care", pop.bsn[person], kind, begin, finish)

    # Informal carers: a few % of adults, mostly 40-75, more in ageing areas.
    adults = np.flatnonzero(age >= 18)
    a = age[adults]
    weight = np.where((a >= 40) & (a < 76), 2.5, 0.7) * np.exp(0.3 * geo.ageing[pop.pc6[adults]])
    who = adults[_pick(rng, weight, round(rate("informal_carer_share", year) * len(adults)))]
    earliest = np.maximum(pop.birth[who] + 18 * 366, _day(date(year - 6, 1, 1)))
    registered = earliest + np.floor(rng.random(len(who)) * (end - earliest + 1)).astype(np.int64)
    hours = np.clip(1 + np.floor(rng.gamma(1.6, rate("heavy_care", year), len(who))), 1, 80).astype(np.int64)
    writer.write("informal_carers", code, period, {"bsn": pop.bsn[who], "reg": registered, "hours": hours}, [
        ("bsn", "bsn"), ("municipality_code", muni), ("registration_date", _date("reg")),
        ("care_hours_per_week", "hours"),
    ])


def _write_partner_yearly(writer: _Writer, unit: _Unit, geo: _Geography, pop: _Population, year: int,
                          seed: int, senders: dict[str, list[str]]) -> None:
    rng = _rng(seed, _SOURCES + 100, unit.tile, unit.number, year)
    period, muni = str(year), _municipality(unit)
    start, end = _day(date(year, 1, 1)), _last_day(date(year, 12, 31))

    # Corporation tenancies: one per corporation dwelling (all occupied), owner by PC6.
    corp_addresses = pop.dwellings[pop.corporation]
    household_at = np.full(len(geo.pc6), -1, dtype=np.int64)
    household_at[pop.hh_address] = np.arange(len(pop.hh_address))
    tenant = household_at[corp_addresses]
    dep = pop.dep[pop.hh_first[tenant]]
    latent = (0.6 * dep + 1.0 * (pop.income[tenant] <= 110) + 0.5 * (pop.hh_type[tenant] == SINGLE_PARENT)
              + rng.normal(0, 1, len(tenant)))
    ranks = _ranks(-latent)
    rate = unit.variation.rate
    severe = round(rate("severe_arrears_share", year) * len(tenant))
    mild = round(rate("arrears_share", year) * len(tenant))
    months = np.where(ranks < severe, 3 + np.floor(rng.gamma(1.2, 2.5, len(tenant))).clip(0, 30),
                      np.where(ranks < severe + mild, rng.integers(1, 3, len(tenant)), 0)).astype(np.int64)
    evicted = ranks < round(rate("eviction_share", year) * len(tenant))
    eviction = np.where(evicted, start + rng.integers(0, end - start + 1, len(tenant)), -1)
    owner = geo.owner[geo.pc6[corp_addresses]]
    for index, corporation in enumerate(unit.corporations):
        rows = np.flatnonzero(owner == index)
        prefix = f"{_CORPORATION_PREFIX.get(corporation, corporation[:4].upper())}-{year}{unit.code[2:]}"
        writer.write("corporation_tenancies", corporation, period, {
            "seq": np.arange(len(rows)), **_postcode_columns(geo, geo.pc6[corp_addresses[rows]]),
            "number": geo.number[corp_addresses[rows]], "months": months[rows], "evicted": eviction[rows],
        }, [
            ("tenancy_id", f"'{prefix}' || lpad(seq::VARCHAR, 6, '0')"), ("municipality_code", muni),
            ("postcode", _POSTCODE), ("house_number", "number"), ("months_in_arrears", "months"),
            ("eviction_date", _nullable_date("evicted")),
        ], append=True)

    # Care consumption per PC6 with residents.
    n6 = len(geo.pc6_letter)
    residents = np.bincount(pop.pc6, minlength=n6)
    cost_by_age = np.select([pop.age < 18, pop.age < 45, pop.age < 65, pop.age < 75], [1300, 1750, 2800, 5200], 8200)
    cost = np.bincount(pop.pc6, weights=cost_by_age, minlength=n6)
    places = np.flatnonzero(residents > 0)
    insured = residents[places] - rng.binomial(residents[places], UNINSURED_SHARE)
    dep6 = geo.deprivation(year)[places]
    share = rate("mental_health_share", year)
    ggz = share * np.exp(0.35 * dep6)
    ggz = np.clip(ggz * share / np.average(ggz, weights=residents[places]), 0, 0.6)
    clients = rng.binomial(insured, ggz)
    costs = np.round(cost[places] * rate("care_costs", year) * insured / residents[places] * np.exp(0.08 * dep6
                     + rng.normal(0, 0.12, len(places))) * 100)
    for partner in senders.get("care_consumption", []):
        writer.write("care_consumption", partner, period, {
            **_postcode_columns(geo, places), "insured": insured, "clients": clients, "cents": costs,
        }, [
            ("postcode", _POSTCODE), ("municipality_code", muni), ("insured_persons", "insured"),
            ("mental_health_clients", "clients"), ("care_costs_eur", "(cents / 100)::DECIMAL(14,2)"),
        ], append=True)


def _write_events(writer: _Writer, unit: _Unit, geo: _Geography, year: int, month: int | None, seed: int,
                  senders: dict[str, list[str]]) -> None:
    """Public-space reports, police and environmental incidents for a year or one month."""
    fig = unit.figures[year]
    rng = _rng(seed, _EVENTS, unit.tile, unit.number, year, month or 0)
    if month is None:
        first, last, period, tag = date(year, 1, 1), date(year, 12, 31), str(year), str(year)
    else:
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        period, tag = f"{year}-{month:02d}", f"{year}{month:02d}"
    start, end = _day(first), _last_day(last)
    fraction = (end - start + 1) / (366 if calendar.isleap(year) else 365)
    persons = unit.inhabitants(year)
    present = np.flatnonzero(geo.present(year))
    residential = geo.use[present] == 0
    dep = geo.deprivation(year)[geo.pc6[present]]
    muni = _municipality(unit)

    def draw(weights: np.ndarray, count: int) -> np.ndarray:
        return geo.pc6[present[_choice(rng, weights, count)]] if count else np.zeros(0, np.int64)

    def emit(source: str, sender: str, kinds: list[tuple[int, np.ndarray, int]], id_sql: str,
             type_column: str, date_column: str, append: bool) -> None:
        pc6 = np.concatenate([draw(w, c) for _, w, c in kinds])
        days = start + rng.integers(0, end - start + 1, len(pc6))
        kind = np.concatenate([np.full(c, k) for k, _, c in kinds])
        order = np.lexsort((pc6, days))
        values = CONTRACTS[source].columns[2].values
        writer.write(source, sender, period, {
            "seq": np.arange(len(pc6)), "kind": kind[order], "day": days[order],
            **_postcode_columns(geo, pc6[order]),
        }, [
            (CONTRACTS[source].columns[0].name, id_sql), ("municipality_code", muni),
            (type_column, _enum("kind", values)), (date_column, _date("day")), ("postcode", _POSTCODE),
        ], append=append)

    # Public-space reports: ~150 per 1000 inhabitants a year, nuisance where deprivation is high.
    rate = unit.variation.rate
    total = round(rate("reports_per_1000", year) / 1000 * persons * (0.85 + 0.025 * fig.pct_around_social_minimum)
                  * fraction)
    shares = _apportion(total, np.array([0.30 * rate("waste_reports", year), 0.15, 0.25, 0.10,
                                         0.12 * rate("nuisance_reports", year), 0.08]))
    base = np.where(residential, np.exp(0.2 * dep), 3.0)
    nuisance = np.where(residential, np.exp(1.0 * dep), 0.5)
    kinds = [(k, nuisance if k == 4 else base, int(c)) for k, c in enumerate(shares)]
    emit("public_space_reports", unit.code, kinds, f"'MOR-{unit.code}-{tag}-' || lpad(seq::VARCHAR, 6, '0')",
         "category", "reported_date", append=False)

    # Police: the recorded crimes of the year plus about half as many nuisance incidents.
    crimes = round(fig.recorded_crimes * unit.scale * fraction)
    crime_counts = _apportion(crimes, np.array([0.15 * rate("burglary", year), 0.35 * rate("violence", year), 0.50]))
    nuisance_counts = _apportion(round(rate("police_nuisance_per_crime", year) * crimes),
                                 np.array([0.35, 0.20, 0.25, 0.20]))
    burglary = np.where(residential, np.exp(-0.1 * dep), 0.3)
    violence = np.where(residential, np.exp(0.5 * dep), 3.0)
    disorder = np.where(residential, np.exp(1.1 * dep), 0.5)
    kinds = ([(0, burglary, int(crime_counts[0])), (1, violence, int(crime_counts[1])),
              (2, violence, int(crime_counts[2]))]
             + [(3 + k, disorder, int(c)) for k, c in enumerate(nuisance_counts)])
    for partner in senders.get("police_incidents", []):
        emit("police_incidents", partner, kinds, f"'PL{tag}-{unit.code[2:]}-' || lpad(seq::VARCHAR, 6, '0')",
             "incident_type", "incident_date", append=True)

    # Environmental incidents: ~10 per 1000 inhabitants a year, around businesses and dumping.
    total = round(rate("environmental_per_1000", year) / 1000 * persons * fraction)
    shares = _apportion(total, np.array([0.35 * rate("dumping", year), 0.30, 0.20, 0.05, 0.10]))
    industry = np.where(residential, 0.3, np.where(geo.use[present] == 4, 10.0, 3.0))
    dumping = np.where(residential, np.exp(0.5 * dep), 2.0)
    kinds = [(k, dumping if k == 0 else industry, int(c)) for k, c in enumerate(shares)]
    for partner in senders.get("environmental_incidents", []):
        emit("environmental_incidents", partner, kinds,
             f"'RUD{tag}-{unit.code[2:]}-' || lpad(seq::VARCHAR, 5, '0')", "category", "incident_date",
             append=True)


# --- scope and the entry point ------------------------------------------------------------------------
def _woz_targets(data_dir: Path, codes: Iterable[str], years: Iterable[int],
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


def _partner_senders(copies: str) -> dict[str, list[str]]:
    """Partners (per source) that deliver for a municipality copying `copies`."""
    senders: dict[str, list[str]] = {}
    for partner in PARTNERS.values():
        if copies in partner.municipalities:
            for source in partner.sources:
                senders.setdefault(source, []).append(partner.code)
    return senders


def _parse_month(month: str) -> tuple[int, int]:
    try:
        year, number = (int(part) for part in month.split("-"))
    except ValueError:
        raise ValueError(f"month {month!r} is not of the form YYYY-MM") from None
    if not 1 <= number <= 12 or len(month) != 7:
        raise ValueError(f"month {month!r} is not of the form YYYY-MM")
    return year, number


def generate(data_dir: Path, out_dir: Path, *, scale: float = 1.0, seed: int = 42,
             years: tuple[int, ...] = DEFAULT_YEARS, month: str | None = None,
             border_pc6_share: float = BORDER_PC6_SHARE) -> GenerationResult:
    """Write synthetic deliveries (see the module docstring) and return what was written."""
    if not scale > 0:
        raise ValueError("scale must be positive")
    tiles = max(math.ceil(scale) - 1, 0)
    tile_scale = scale / (tiles + 1)
    month_year, month_number = _parse_month(month) if month else (None, None)
    years = tuple(sorted(set(years))) if month is None else (month_year,)
    if not years:
        raise ValueError("no years to generate")
    if date(years[-1], month_number or 1, 1) > date.today():
        raise ValueError(f"{month or years[-1]} has not begun yet: deliveries describe the past")
    horizon = max(max(years), BASE_YEAR)
    out_dir.mkdir(parents=True, exist_ok=True)

    scope = reference.scope_municipalities(tiles)
    areas_by_code: dict[str, list[reference.Pc4Area]] = {}
    for area in reference.scope_pc4_areas(data_dir, tiles):
        areas_by_code.setdefault(area.municipality_code, []).append(area)
    figure_years = sorted(set(range(BASE_YEAR, horizon + 1)) | set(years) | set(reference.REFERENCE_YEARS))
    figures = drift_unpublished(
        seed, {year: reference.municipality_figures(data_dir, year) for year in figure_years},
        {year: reference.municipality_figures(data_dir, year, published_only=True) for year in figure_years})
    real = sorted(figures[BASE_YEAR])
    woz = _woz_targets(data_dir, real, figure_years, seed)
    wmo: dict[str, dict[int, float]] = {code: {} for code in real}
    for year in figure_years:
        published = [f.wmo_clients_per_1000 for f in figures[year].values() if f.wmo_clients_per_1000 is not None]
        for code in real:
            value = figures[year][code].wmo_clients_per_1000
            wmo[code][year] = value if value is not None else sum(published) / len(published)

    # Person sequence numbers: a fixed slot per unit within a block per year, so that BSNs
    # never repeat within a year nor across years (the N_STEMS // scope-size blocks are
    # reused cyclically: at scale 70 after four years).
    capacity = {code: max(round(figures[y][code].inhabitants * tile_scale) for y in figure_years) + 1
                for code in real}
    index = {year: social_index(figures[year]) for year in figure_years}
    tile_of = {reference.tile_municipality_code(code, t): t for t in range(tiles + 1) for code in real}
    wijken_by_tile: dict[int, list[reference.Wijk]] = {}
    for wijk in reference.scope_wijken(data_dir, tiles):
        wijken_by_tile.setdefault(tile_of[wijk.municipality_code], []).append(wijk)
    units: list[_Unit] = []
    offset = 0
    for code, copies in scope.items():
        tile = next(t for t in range(tiles + 1) if reference.tile_municipality_code(copies, t) == code)
        corporations = [p.code for p in PARTNERS.values()
                        if "corporation_tenancies" in p.sources and copies in p.municipalities]
        units.append(_Unit(
            tile=tile, code=code, copies=copies,
            areas=areas_by_code[code], scale=tile_scale,
            figures={y: figures[y][copies] for y in figure_years}, woz_targets=woz[copies],
            wmo_per_1000=wmo[copies], corporations=corporations, bsn_offset=offset,
            wijken=wijken_by_tile.get(tile, []),
            variation=Variation(seed, tile, int(code[2:]), {y: index[y][copies] for y in figure_years},
                                {y: figures[y][copies] for y in figure_years})))
        offset += capacity[copies]
    blocks = max(N_STEMS // offset, 1)
    bsn_map = BsnMap(seed)
    boundaries = {area.code: area.geometry for area in reference.scope_municipality_areas(data_dir, tiles)}
    borders = _border_plan(units, seed, boundaries, border_pc6_share)

    writer = _Writer(out_dir)
    inhabitants = addresses = 0
    try:
        for unit in units:
            geo = _build_geography(unit, seed, horizon, borders[unit.code])
            senders = _partner_senders(unit.copies)
            if month is not None:
                _write_events(writer, unit, geo, month_year, month_number, seed, senders)
                inhabitants += unit.inhabitants(month_year)
                addresses += int(geo.present(month_year).sum())
                continue
            for year in years:
                addresses_now = _write_bag(writer, unit, geo, year)
                pop = _build_population(unit, geo, year, seed, bsn_map, (year % blocks) * offset)
                _write_municipal(writer, unit, geo, pop, year, seed)
                _write_partner_yearly(writer, unit, geo, pop, year, seed, senders)
                _write_events(writer, unit, geo, year, None, seed, senders)
                if year == years[-1]:
                    inhabitants += len(pop.bsn)
                    addresses += addresses_now
    finally:
        writer.close()
    return GenerationResult(files=sorted(set(writer.files)), inhabitants=inhabitants, addresses=addresses,
                            rows=writer.rows)
