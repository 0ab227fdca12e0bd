"""Addresses and PC6 areas of a unit for every year: the BAG of a synthetic municipality.

Where people live
    A PC4 gets dwellings in proportion to its inhabitants (CBS 2021), in PC6 areas of
    about DWELLINGS_PER_PC6 dwellings each. PC6 centres are uniform inside the PC4's parts
    per wijk (straatkubus.synth.geometry.pc4_parts) and the addresses stay in their part.

Persistence (the choice made)
    Addresses, PC6 areas, their latent deprivation and ageing, corporation ownership and the
    WOZ base value of every dwelling persist across years (same ids, postcodes, house
    numbers and locations); every year adds a few new builds (at least 0.3 %) and demolishes
    just enough old dwellings for the stock to follow households and vacancy. Rates that
    follow neighbourhoods therefore persist; every PC4 drifts (its deprivation rises or
    falls a little every year, PC4_DRIFT_PER_YEAR) and about 3 % of PC6 areas deteriorate
    sharply, which gives trend signals in both directions.

Correlations
    Every PC6 has a deprivation d (a PC4 component plus a PC6 component) and an ageing a
    (independent of d). Corporation dwellings, low incomes, bijstand, debt help, rent
    arrears, youth care, single parents, mental health care, nuisance reports and police
    nuisance incidents concentrate where d is high (weights exp(beta * d), then exactly
    the municipal totals); WOZ values are lower there. Elderly people, also those living
    alone, cluster where a is high.

Address ids are BAG-like (`0917200000012345`: municipality, object type 20, sequence).
Addresses that a unit delivers in a neighbour's border PC6 (its `Border`, chosen by
straatkubus.synth.border) are taken from its own base stock and moved there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from straatkubus.synth.geometry import pc4_parts, points_near, to_rd, uniform_points
from straatkubus.synth.sampling import PURPOSE_BORDER, PURPOSE_GEO, PURPOSE_NEW_BUILDS, apportion, choice, pick, stream
from straatkubus.synth.scope import BASE_YEAR, Unit

WGS84_MUNICIPALITIES = frozenset({"GM1954", "GM0986"})  # deliver BAG coordinates in WGS84
# PostNL never uses these letter pairs in a postcode.
_EXCLUDED_LETTERS = {"SA", "SD", "SS"}
PC6_LETTERS = [
    a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if a + b not in _EXCLUDED_LETTERS
]
USES = ("woonfunctie", "winkelfunctie", "kantoorfunctie", "bijeenkomstfunctie", "industriefunctie")
_NON_RESIDENTIAL_P = np.array([0.40, 0.30, 0.15, 0.15])

# Tunable assumptions (no CBS figure for them).
DWELLINGS_PER_PC6 = 16
NON_RESIDENTIAL_SHARE = 0.05  # extra non-residential addresses, relative to dwellings
NEW_BUILD_RATE = 0.003  # dwellings added per year at least
DETERIORATING_SHARE = 0.03  # PC6 areas whose deprivation rises every year
DETERIORATION_PER_YEAR = 0.45
PC4_DRIFT_PER_YEAR = 0.15  # sd of a PC4's yearly drift in deprivation (+ worse, - better)


@dataclass
class Geography:
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
class Guest:
    """Addresses of a neighbour's PC6 that a unit delivers (straatkubus.synth.border)."""

    pc4_number: int
    letter: int  # index into PC6_LETTERS
    count: int
    first_number: int  # house numbers first_number, first_number + 1, ...
    region: BaseGeometry  # lon/lat polygon: the stretch of the PC6's PC4 inside this unit
    anchor: tuple[float, float]  # the point of the region nearest the PC6's centre


@dataclass
class Border:
    """A unit's share in the border PC6 areas: house numbers its own border PC6 areas
    lend to a neighbour, and the neighbours' PC6 areas it delivers addresses of."""

    reserved: dict[int, int]  # own PC6 index -> house numbers lent
    guests: list[Guest]


def _dwelling_need(unit: Unit, year: int) -> int:
    fig = unit.figures[year]
    return math.ceil(unit.households(year) / (1 - fig.pct_vacant / 100))


def build_geography(unit: Unit, seed: int, horizon: int, border: Border | None = None) -> Geography:
    """The unit's addresses of every year from BASE_YEAR up to `horizon`, with those of
    its `border` share."""
    rng = stream(seed, PURPOSE_GEO, unit.tile, unit.number)
    areas = unit.areas
    base = _dwelling_need(unit, BASE_YEAR)
    per_pc4 = apportion(base, np.array([a.inhabitants_2021 for a in areas], float) + 1)

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
    dep_drift = stream(seed, PURPOSE_GEO, unit.tile, unit.number, 1).normal(0, PC4_DRIFT_PER_YEAR, len(areas))[pc6_pc4]
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
        year_rng = stream(seed, PURPOSE_NEW_BUILDS, unit.tile, unit.number, year)
        standing = np.flatnonzero(residential & (last_year == 9999))
        last_year[standing[pick(year_rng, np.ones(len(standing)), stock + k - need)]] = year - 1
        stock = need
        where = np.sort(choice(year_rng, growth, k))
        rank = np.arange(k) - np.searchsorted(where, where, side="left")
        new_parts.append((year, where, counts[where] + rank + 1, year_rng))
        counts += np.bincount(where, minlength=n6)
    all_pc6 = np.concatenate([pc6] + [p[1] for p in new_parts])
    n = len(all_pc6)
    number = np.concatenate([number] + [p[2] for p in new_parts])
    residential = np.concatenate([residential] + [np.ones(len(p[1]), bool) for p in new_parts])
    first_year = np.concatenate([first_year] + [np.full(len(p[1]), p[0]) for p in new_parts])
    last_year = np.concatenate([last_year] + [np.full(len(p[1]), 9999) for p in new_parts])

    new_start = len(pc6)
    lonlat = _locate(rng, unit, pc6_pc4, all_pc6, new_start, [(where, year_rng) for _, where, _, year_rng in new_parts])

    # Attributes: use, floor area, building year, WOZ base value, corporation propensity. The
    # base stock draws from the geography stream, each year's new builds from their own.
    dep = dep_base[all_pc6]
    m = new_start
    use = np.zeros(n, dtype=np.int64)
    use[:m][~residential[:m]] = 1 + choice(rng, _NON_RESIDENTIAL_P, int((~residential[:m]).sum()))
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
        extra = _place_guests(stream(seed, PURPOSE_BORDER, unit.tile, unit.number, 1), border.guests,
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
        x, y = to_rd(lonlat[:, 0], lonlat[:, 1])
    addr_id = unit.number * 10**12 + 20 * 10**10 + np.arange(n, dtype=np.int64)
    return Geography(
        pc6_pc4_number=pc6_pc4_number, pc6_letter=pc6_letter, pc6_pc4=pc6_pc4, dep_base=dep_base,
        dep_drift=dep_drift, deteriorates=deteriorates, ageing=ageing, youth=youth, owner=owner,
        addr_id=addr_id, pc6=all_pc6, number=number, use=use,
        floor=np.round(floor).astype(np.int64), built=built, x=np.asarray(x), y=np.asarray(y), lonlat=lonlat,
        first_year=first_year, last_year=last_year, corp_score=corp_score, woz_rel=woz_rel, wgs84=wgs84)


def _locate(rng: np.random.Generator, unit: Unit, pc6_pc4: np.ndarray, pc6: np.ndarray, base: int,
            new_builds: list[tuple[np.ndarray, np.random.Generator]]) -> np.ndarray:
    """Lon/lat of every address (its PC6 index in `pc6`: first the `base` stock, then each
    year's new builds with their stream): PC6 centres spread over the PC4's parts in each
    wijk (see pc4_parts), uniformly inside a part; addresses scattered around their
    centre, inside the same part."""
    n6 = len(pc6_pc4)
    centres = np.zeros((n6, 2))
    lonlat = np.zeros((len(pc6), 2))
    sigma = np.zeros(n6)
    polygons, pc6_part = [], np.zeros(n6, dtype=np.int64)
    for index in np.unique(pc6_pc4):
        members = np.flatnonzero(pc6_pc4 == index)
        parts, weights = pc4_parts(unit.areas[index], unit.wijken, unit.code)
        first = 0
        for part, count in zip(parts, apportion(len(members), weights), strict=True):
            if count == 0:
                continue
            chosen = members[first:first + count]
            centres[chosen] = uniform_points(rng, part, count)
            sigma[chosen] = math.sqrt(part.area / count) / 3
            pc6_part[chosen] = len(polygons)
            polygons.append(part)
            first += count
    addr_part = pc6_part[pc6]
    for index, polygon in enumerate(polygons):
        members = np.flatnonzero(addr_part[:base] == index)
        lonlat[members] = points_near(rng, polygon, centres[pc6[members]], sigma[pc6[members]])
    offset = base
    for where, year_rng in new_builds:
        for index in np.unique(pc6_part[where]):
            members = offset + np.flatnonzero(pc6_part[where] == index)
            lonlat[members] = points_near(year_rng, polygons[index], centres[pc6[members]], sigma[pc6[members]])
        offset += len(where)
    return lonlat


def _place_guests(rng: np.random.Generator, guests: list[Guest], pc6: np.ndarray, number: np.ndarray,
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
        lonlat[chosen] = points_near(rng, guest.region, np.tile(guest.anchor, (len(chosen), 1)), 2e-4)
    return origin

