"""Points inside polygons, and where in a PC4 the dwellings go.

Within a PC4 the dwellings go to its parts in each CBS wijk 2024, weighted by
area ** WIJK_AREA_POWER (a small part, such as a village core, is denser than a large one),
with little weight for a wijk of "verspreide huizen" and for parts that the generalised
boundaries put in another municipality's wijk (see pc4_parts). Polygons are in WGS84
(lon/lat); to_rd gives Dutch RD coordinates.
"""

from __future__ import annotations

import numpy as np
import shapely

from straatkubus.ingest import reference

# Where in a PC4 the dwellings go: its parts in each wijk weigh area ** WIJK_AREA_POWER
# (smaller parts are denser: village cores), times these factors.
WIJK_AREA_POWER = 0.5
SCATTERED_WIJK_WEIGHT = 0.01  # a wijk of "verspreide huizen" (scattered houses)
OTHER_MUNICIPALITY_WIJK_WEIGHT = 0.05  # a part in another municipality's wijk (generalised edges)
MIN_PART_SHARE = 0.005  # smaller parts of a PC4 get no dwellings

_TRANSFORMER = None


def to_rd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    global _TRANSFORMER
    if _TRANSFORMER is None:
        from pyproj import Transformer

        _TRANSFORMER = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    return _TRANSFORMER.transform(lon, lat)


def inner(polygon):
    """The polygon shrunk by about 2 m, so that rounded or re-projected points stay inside."""
    shrunk = polygon.buffer(-2e-5)
    shrunk = shrunk if not shrunk.is_empty and shrunk.area > 0.05 * polygon.area else polygon
    shapely.prepare(shrunk)
    return shrunk


def uniform_points(rng: np.random.Generator, polygon, count: int) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    chosen: list[np.ndarray] = []
    have = 0
    while have < count:
        trial = rng.uniform((minx, miny), (maxx, maxy), size=(max(count - have, 16) * 3, 2))
        trial = trial[shapely.contains_xy(polygon, trial[:, 0], trial[:, 1])]
        chosen.append(trial)
        have += len(trial)
    return np.concatenate(chosen)[:count] if chosen else np.zeros((0, 2))


def points_near(rng: np.random.Generator, polygon, centres: np.ndarray, sigma: float | np.ndarray) -> np.ndarray:
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


def pc4_parts(pc4: reference.Pc4Area, wijken: list[reference.Wijk],
              municipality_code: str) -> tuple[list, np.ndarray]:
    """The parts of a PC4 polygon (shrunk by `inner`) in each wijk, and the rest outside
    every wijk, with the weight of each for placing dwellings: area ** WIJK_AREA_POWER,
    times SCATTERED_WIJK_WEIGHT in a wijk of scattered houses and
    OTHER_MUNICIPALITY_WIJK_WEIGHT in another municipality's wijk or outside every wijk.
    Without such parts: the whole polygon."""
    whole = inner(pc4.geometry)
    parts, weights, rest = [], [], whole
    for wijk in wijken:
        if not wijk.geometry.intersects(whole):
            continue
        part = whole.intersection(wijk.geometry)
        rest = rest.difference(wijk.geometry)
        if part.area < MIN_PART_SHARE * whole.area:  # slivers of generalised boundaries
            continue
        factor = SCATTERED_WIJK_WEIGHT if "verspreide huizen" in wijk.name.lower() else 1.0
        if wijk.municipality_code != municipality_code:
            factor *= OTHER_MUNICIPALITY_WIJK_WEIGHT
        parts.append(part)
        weights.append(part.area ** WIJK_AREA_POWER * factor)
    if rest.area >= MIN_PART_SHARE * whole.area:
        parts.append(rest)
        weights.append(rest.area ** WIJK_AREA_POWER * OTHER_MUNICIPALITY_WIJK_WEIGHT)
    if not parts:
        return [whole], np.ones(1)
    for part in parts:
        shapely.prepare(part)
    return parts, np.array(weights)
