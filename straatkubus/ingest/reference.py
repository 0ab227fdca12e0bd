"""Real public reference data from data/reference (CBS, PDOK): boundaries and calibration figures."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, replace
from pathlib import Path

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from straatkubus.settings import MUNICIPALITIES


@dataclass(frozen=True)
class Pc4Area:
    pc4: str
    municipality_code: str
    geometry: BaseGeometry
    inhabitants_2021: int
    share_0_14: float
    share_65plus: float
    share_75plus: float


@dataclass(frozen=True)
class Wijk:
    code: str  # WK + municipality digits + 2 digits
    name: str
    municipality_code: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class MunicipalityArea:
    code: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class MunicipalityFigures:
    """CBS Kerncijfers wijken en buurten for one municipality and year.

    Figures CBS has not (yet) published for the year are taken from the latest year that
    has them; a year between two published years is interpolated.
    """

    code: str
    name: str
    year: int
    inhabitants: int
    households: int
    pct_one_person_households: float
    pct_65plus: float
    pct_0_14: float
    avg_woz_eur: float
    pct_corporation_dwellings: float
    pct_low_income: float
    pct_around_social_minimum: float
    pct_youth_care: float
    wmo_clients_per_1000: float | None  # never published for Heerlen
    pct_vacant: float
    recorded_crimes: int
    # (with published_only, every figure may be None)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def pc4_areas(data_dir: Path) -> list[Pc4Area]:
    """The 54 Parkstad PC4 areas with their 2021 population and age structure."""
    inhabitants = {r["pc4"]: int(r["inwoners"]) for r in _rows(data_dir / "cbs_pc4_inwoners_2021.csv")}
    ages = {r["pc4"]: r for r in _rows(data_dir / "cbs_pc4_leeftijd_2021.csv")}
    features = json.loads((data_dir / "parkstad_pc4.geojson").read_text())["features"]
    areas = []
    for feature in features:
        pc4 = feature["properties"]["pc4"]
        age = ages.get(pc4)
        total = int(age["inwoners_2021"]) if age else 0
        areas.append(Pc4Area(
            pc4=pc4,
            municipality_code=feature["properties"]["gemeentecode"],
            geometry=shape(feature["geometry"]),
            inhabitants_2021=inhabitants.get(pc4, 0),
            share_0_14=int(age["inwoners_0_14"]) / total if total else 0.15,
            share_65plus=int(age["inwoners_65plus"]) / total if total else 0.25,
            share_75plus=int(age["inwoners_75plus"]) / total if total else 0.11,
        ))
    return areas


def wijken(data_dir: Path) -> list[Wijk]:
    """The 49 Parkstad wijken of CBS's Wijk- en buurtkaart 2024 (simplified boundaries)."""
    features = json.loads((data_dir / "parkstad_wijken_2024.geojson").read_text())["features"]
    return [Wijk(code=f["properties"]["wijkcode"], name=f["properties"]["wijknaam"],
                 municipality_code=f["properties"]["gemeentecode"], geometry=shape(f["geometry"]))
            for f in features]


def municipality_areas(data_dir: Path) -> list[MunicipalityArea]:
    """The boundaries of the seven municipalities (CBS 2022, generalised)."""
    features = json.loads((data_dir / "parkstad_gemeenten.geojson").read_text())["features"]
    return [MunicipalityArea(code=f["properties"]["gemeentecode"], geometry=shape(f["geometry"]))
            for f in features]


_KWB_FIELDS = {  # MunicipalityFigures field: CBS KWB column
    "inhabitants": "aantal_inwoners",
    "households": "huishoudens",
    "pct_one_person_households": "pct_eenpersoonshhd",
    "pct_65plus": "pct_65plus",
    "pct_0_14": "pct_0_15",
    "avg_woz_eur": "gem_woz_waarde",
    "pct_corporation_dwellings": "pct_huurcorporatie",
    "pct_low_income": "pct_hh_laag_inkomen",
    "pct_around_social_minimum": "pct_rond_sociaal_min",
    "pct_youth_care": "pct_jeugdzorg",
    "wmo_clients_per_1000": "wmo_per_1000",
    "pct_vacant": "pct_leegstand",
    "recorded_crimes": "cr_totaal_misdrijven",
}


def municipality_figures(data_dir: Path, year: int = 2024,
                         published_only: bool = False) -> dict[str, MunicipalityFigures]:
    """CBS figures of the seven municipalities for `year` (see MunicipalityFigures); with
    `published_only`, figures CBS did not publish for that very year are None."""
    by_code: dict[str, dict[int, dict[str, str]]] = {}
    for row in _rows(data_dir / "cbs_kwb_gemeenten_2022_2024.csv"):
        by_code.setdefault(row["gm_code"], {})[int(row["kwb_jaar"])] = row

    def value(years: dict[int, dict[str, str]], column: str) -> float | None:
        published = {y: float(r[column]) for y, r in years.items() if r[column] != ""}
        if not published:
            return None
        if year in published:
            return published[year]
        if published_only:
            return None
        before = [y for y in published if y < year]
        after = [y for y in published if y > year]
        if before and after:
            low, high = max(before), min(after)
            share = (year - low) / (high - low)
            return published[low] + share * (published[high] - published[low])
        return published[max(before) if before else min(after)]

    figures = {}
    for code, years in by_code.items():
        values = {name: value(years, column) for name, column in _KWB_FIELDS.items()}
        for name in ("inhabitants", "households", "recorded_crimes"):
            if values[name] is not None:
                values[name] = round(values[name])
        if values["avg_woz_eur"] is not None:
            values["avg_woz_eur"] *= 1000  # CBS publishes x 1000 euro
        figures[code] = MunicipalityFigures(code=code, name=next(iter(years.values()))["gemeente"],
                                            year=year, **values)
    return figures


# --- synthetic tiles: the same structure repeated, for scales beyond Parkstad ---------------
MAX_TILES = 90  # keeps tile PC4 codes below Parkstad's 6xxx range


def tile_municipality_code(code: str, tile: int) -> str:
    """Tile 0 is Parkstad itself; tile t >= 1 gets synthetic codes GM9tt0..GM9tt6."""
    if tile == 0:
        return code
    return f"GM{9000 + 10 * tile + sorted(MUNICIPALITIES).index(code)}"


def tile_pc4(index: int, pc4: str, tile: int) -> str:
    """Tile t >= 1 numbers its PC4 areas from 1000 upwards, clear of Parkstad's 6xxx."""
    return pc4 if tile == 0 else str(1000 + 54 * (tile - 1) + index)


def tile_offset(tile: int) -> tuple[float, float]:
    """Tiles are laid out on a 12 x 12 grid of 0.3 x 0.22 degrees inside the Netherlands'
    bounding box, so their geometries do not overlap and stay valid in RD New."""
    slots = [(column, row) for row in range(12) for column in range(12) if (column, row) != (8, 0)]
    column, row = (8, 0) if tile == 0 else slots[tile - 1]  # (8, 0) is Parkstad itself
    return round(0.3 * (column - 8), 6), round(0.22 * row, 6)


def scope_municipalities(tiles: int) -> dict[str, str]:
    """Municipality code -> the real Parkstad municipality it copies (itself for tile 0)."""
    if not 0 <= tiles <= MAX_TILES:
        raise ValueError(f"tiles must be between 0 and {MAX_TILES}")
    return {tile_municipality_code(code, t): code
            for t in range(tiles + 1) for code in sorted(MUNICIPALITIES)}


def scope_pc4_areas(data_dir: Path, tiles: int) -> list[Pc4Area]:
    """The Parkstad PC4 areas and, for each synthetic tile, a shifted copy with its own codes."""
    from shapely import affinity

    base = sorted(pc4_areas(data_dir), key=lambda a: a.pc4)
    areas = list(base)
    for tile in range(1, tiles + 1):
        dx, dy = tile_offset(tile)
        areas += [
            replace(area, pc4=tile_pc4(index, area.pc4, tile),
                    municipality_code=tile_municipality_code(area.municipality_code, tile),
                    geometry=affinity.translate(area.geometry, dx, dy))
            for index, area in enumerate(base)
        ]
    return areas


def tile_wijk_code(code: str, municipality_code: str, tile: int) -> str:
    """Tile t >= 1: 'WK' + the tile municipality's four digits + the wijk's last two."""
    return code if tile == 0 else f"WK{tile_municipality_code(municipality_code, tile)[2:]}{code[-2:]}"


def scope_wijken(data_dir: Path, tiles: int) -> list[Wijk]:
    """The Parkstad wijken and, for each synthetic tile, a shifted copy with its own codes
    (named like the tile municipalities: '<name> (kopie <code>)')."""
    from shapely import affinity

    base = sorted(wijken(data_dir), key=lambda w: w.code)
    result = list(base)
    for tile in range(1, tiles + 1):
        dx, dy = tile_offset(tile)
        for wijk in base:
            code = tile_wijk_code(wijk.code, wijk.municipality_code, tile)
            result.append(replace(wijk, code=code, name=f"{wijk.name} (kopie {code})",
                                  municipality_code=tile_municipality_code(wijk.municipality_code, tile),
                                  geometry=affinity.translate(wijk.geometry, dx, dy)))
    return result


def scope_municipality_areas(data_dir: Path, tiles: int) -> list[MunicipalityArea]:
    """The municipality boundaries of Parkstad and of each synthetic tile (shifted copies)."""
    from shapely import affinity

    base = sorted(municipality_areas(data_dir), key=lambda m: m.code)
    result = list(base)
    for tile in range(1, tiles + 1):
        dx, dy = tile_offset(tile)
        result += [MunicipalityArea(code=tile_municipality_code(area.code, tile),
                                    geometry=affinity.translate(area.geometry, dx, dy))
                   for area in base]
    return result


REFERENCE_DDL = """
create schema if not exists raw;
create table if not exists raw.cbs_pc4_areas (
    pc4 text primary key,
    municipality_code text not null,
    geojson text not null,
    loaded_at timestamptz not null default now()
);
create table if not exists raw.cbs_wijken (
    wijk_code text primary key,
    wijk_name text not null,
    municipality_code text not null,
    geojson text not null,
    loaded_at timestamptz not null default now()
);
create table if not exists raw.cbs_municipality_areas (
    municipality_code text primary key,
    geojson text not null,
    loaded_at timestamptz not null default now()
);
create table if not exists raw.cbs_municipality_figures (
    municipality_code text not null,
    municipality_name text not null,
    copies_municipality_code text not null,
    year integer not null,
    inhabitants integer,
    households integer,
    pct_one_person_households numeric,
    pct_65plus numeric,
    avg_woz_eur numeric,
    pct_corporation_dwellings numeric,
    pct_youth_care numeric,
    wmo_clients_per_1000 numeric,
    loaded_at timestamptz not null default now(),
    primary key (municipality_code, year)
);
"""
REFERENCE_YEARS = (2022, 2023, 2024)


def load_reference_tables(cur, data_dir: Path, tiles: int = 0) -> int:
    """Replace the reference tables in raw (in the caller's transaction): PC4, wijk and
    municipality boundaries and the CBS municipality figures as published (empty where CBS
    has not published a figure for that year), for Parkstad and any synthetic tiles;
    returns the PC4 count."""
    from shapely.geometry import mapping

    areas = scope_pc4_areas(data_dir, tiles)
    cur.execute(REFERENCE_DDL)
    cur.execute("delete from raw.cbs_pc4_areas")
    cur.executemany(
        "insert into raw.cbs_pc4_areas (pc4, municipality_code, geojson) values (%s, %s, %s)",
        [(a.pc4, a.municipality_code, json.dumps(mapping(a.geometry))) for a in areas])
    cur.execute("delete from raw.cbs_wijken")
    cur.executemany(
        "insert into raw.cbs_wijken (wijk_code, wijk_name, municipality_code, geojson) "
        "values (%s, %s, %s, %s)",
        [(w.code, w.name, w.municipality_code, json.dumps(mapping(w.geometry)))
         for w in scope_wijken(data_dir, tiles)])
    cur.execute("delete from raw.cbs_municipality_areas")
    cur.executemany(
        "insert into raw.cbs_municipality_areas (municipality_code, geojson) values (%s, %s)",
        [(m.code, json.dumps(mapping(m.geometry))) for m in scope_municipality_areas(data_dir, tiles)])
    cur.execute("delete from raw.cbs_municipality_figures")
    rows = []
    for year in REFERENCE_YEARS:
        figures = municipality_figures(data_dir, year, published_only=True)
        for code, copies in scope_municipalities(tiles).items():
            f = figures[copies]
            name = f.name if code == copies else f"{f.name} (kopie {code})"
            rows.append((code, name, copies, year, f.inhabitants, f.households,
                         f.pct_one_person_households, f.pct_65plus, f.avg_woz_eur,
                         f.pct_corporation_dwellings, f.pct_youth_care, f.wmo_clients_per_1000))
    cur.executemany(
        "insert into raw.cbs_municipality_figures (municipality_code, municipality_name, "
        "copies_municipality_code, year, inhabitants, households, pct_one_person_households, "
        "pct_65plus, avg_woz_eur, pct_corporation_dwellings, pct_youth_care, "
        "wmo_clients_per_1000) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
    return len(areas)
