"""Border PC6 areas: PC6 codes whose addresses lie in two municipalities.

Some real PC4 polygons reach across the (generalised) municipal boundary. With a share
above 0 (BORDER_PC6_SHARE, e.g. 0.01) about that share of a municipality's PC6 codes,
chosen among those nearest such a stretch, get one to three addresses in the neighbouring
municipality: existing addresses of the neighbour (so its calibration stays exact) move
into that stretch and take the PC6 code, with house numbers following the PC6's own
(straatkubus.synth.addresses places them). The neighbour delivers them, and every source
it delivers with a postcode (BAG, tenancies, care consumption, events) carries that code,
so the PC6 is split over two municipalities. The plan is drawn from the base-year
geography of both, so it depends neither on the years generated nor on month mode. Those
addresses are the only ones whose PC4 is not dominantly their municipality's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from straatkubus.ingest import reference
from straatkubus.synth.addresses import Border, Guest, build_geography
from straatkubus.synth.geometry import inner, to_rd
from straatkubus.synth.sampling import PURPOSE_BORDER, stream
from straatkubus.synth.scope import BASE_YEAR, Unit

# PC6 areas crossing a municipal border (share of a municipality's PC6 codes; 0 = none).
BORDER_PC6_SHARE = 0.01
BORDER_ADDRESSES = (1, 3)  # addresses of the neighbouring municipality per border PC6
BORDER_REGION_MIN_M2 = 2000  # smallest part of a PC4 reaching into another municipality
BORDER_SEARCH_M = 600  # a border PC6's centre lies at most this far from that part


def plan_borders(data_dir: Path, units: list[Unit], seed: int, share: float) -> dict[str, Border]:
    """Choose `share` of every unit's PC6 areas as border PC6 areas, from the base-year
    geography of the units of each tile; returns each unit's share in them."""
    plans = {unit.code: Border(reserved={}, guests=[]) for unit in units}
    if share <= 0:
        return plans
    tiles = max(unit.tile for unit in units)
    boundaries = {area.code: area.geometry for area in reference.scope_municipality_areas(data_dir, tiles)}

    def rd_geometry(geometry):
        return shapely.transform(geometry, lambda c: np.column_stack(to_rd(c[:, 0], c[:, 1])))

    for tile in sorted({unit.tile for unit in units}):
        members = [unit for unit in units if unit.tile == tile]
        shrunk = {unit.code: boundaries[unit.code].buffer(-5e-5) for unit in members}
        for unit in members:
            geo = build_geography(unit, seed, BASE_YEAR)
            n6 = len(geo.pc6_letter)
            size = np.bincount(geo.pc6, minlength=n6)
            centres = np.column_stack([np.bincount(geo.pc6, weights=geo.lonlat[:, k], minlength=n6)
                                       for k in (0, 1)]) / np.maximum(size, 1)[:, None]
            centres_rd = shapely.points(np.column_stack(to_rd(centres[:, 0], centres[:, 1])))
            regions, candidates = [], []
            for area in np.unique(geo.pc6_pc4):
                own = inner(unit.areas[area].geometry)
                for neighbour in members:
                    if neighbour is unit:
                        continue
                    region = own.intersection(shrunk[neighbour.code])
                    region_rd = rd_geometry(region)
                    if region.is_empty or region_rd.area < BORDER_REGION_MIN_M2:
                        continue
                    pc6 = np.flatnonzero(geo.pc6_pc4 == area)
                    distance = shapely.distance(region_rd, centres_rd[pc6])
                    near = distance <= BORDER_SEARCH_M
                    candidates += [(d, int(p), len(regions)) for d, p in zip(distance[near], pc6[near], strict=True)]
                    regions.append((neighbour.code, region))
            if not candidates:
                continue
            rng = stream(seed, PURPOSE_BORDER, unit.tile, unit.number)
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
                plans[neighbour].guests.append(Guest(
                    pc4_number=int(geo.pc6_pc4_number[pc6]), letter=int(geo.pc6_letter[pc6]), count=count,
                    first_number=int(size[pc6]) + 1, region=region, anchor=(anchor.x, anchor.y)))
    return plans

