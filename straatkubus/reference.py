"""Real public reference data from ../shared/data (CBS, PDOK): boundaries and calibration figures."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry


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
class MunicipalityFigures:
    code: str
    name: str
    inhabitants: int
    households: int
    avg_household_size: float
    pct_one_person_households: float
    pct_65plus: float


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


def municipality_figures(data_dir: Path, year: int = 2024) -> dict[str, MunicipalityFigures]:
    """CBS Kerncijfers wijken en buurten per municipality for one year."""
    figures = {}
    for row in _rows(data_dir / "cbs_kwb_gemeenten_2022_2024.csv"):
        if int(row["kwb_jaar"]) != year:
            continue
        figures[row["gm_code"]] = MunicipalityFigures(
            code=row["gm_code"],
            name=row["gemeente"],
            inhabitants=int(row["aantal_inwoners"]),
            households=int(row["huishoudens"]),
            avg_household_size=float(row["gem_huishouden_grootte"]),
            pct_one_person_households=float(row["pct_eenpersoonshhd"]),
            pct_65plus=float(row["pct_65plus"]),
        )
    return figures


REFERENCE_DDL = """
create schema if not exists raw;
create table if not exists raw.cbs_pc4_areas (
    pc4 text primary key,
    municipality_code text not null,
    geojson text not null,
    loaded_at timestamptz not null default now()
);
"""


def load_reference_tables(cur, data_dir: Path) -> int:
    """Replace the PC4 boundaries in raw (in the caller's transaction); returns the row count."""
    features = json.loads((data_dir / "parkstad_pc4.geojson").read_text())["features"]
    cur.execute(REFERENCE_DDL)
    cur.execute("delete from raw.cbs_pc4_areas")
    cur.executemany(
        "insert into raw.cbs_pc4_areas (pc4, municipality_code, geojson) values (%s, %s, %s)",
        [(f["properties"]["pc4"], f["properties"]["gemeentecode"], json.dumps(f["geometry"]))
         for f in features])
    return len(features)
