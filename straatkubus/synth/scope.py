"""The units of generation: one municipality of one tile, with the figures it is calibrated to.

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
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from straatkubus.ingest import reference
from straatkubus.ingest.contracts import PARTNERS
from straatkubus.synth import woz
from straatkubus.synth.bsns import N_STEMS
from straatkubus.synth.variation import Variation, drift_unpublished, social_index

BASE_YEAR = 2022  # the address stock exists from here on; later years add new builds


@dataclass
class Unit:
    """One municipality of one tile, generated as a whole, with the figures it is calibrated to."""

    tile: int
    code: str  # municipality code in scope (GM0917, or GM9xxx for a tile)
    copies: str  # the real municipality whose figures it takes
    areas: list[reference.Pc4Area]
    scale: float  # tile scale
    figures: dict[int, reference.MunicipalityFigures]  # year -> figures of `copies`
    woz_targets: dict[int, float]
    wmo_per_1000: dict[int, float]
    senders: dict[str, list[str]]  # partner source -> partner codes delivering it here
    bsn_offset: int  # first person sequence number of this unit within a year's block
    bsn_block: int  # person sequence numbers per year (of all units)
    wijken: list[reference.Wijk]  # of this tile
    variation: Variation  # the rates without a CBS figure (straatkubus.synth.variation)

    @property
    def number(self) -> int:
        return int(self.code[2:])

    @property
    def corporations(self) -> list[str]:
        """Partner codes delivering tenancies here."""
        return self.senders.get("corporation_tenancies", [])

    def households(self, year: int) -> int:
        return max(round(self.figures[year].households * self.scale), 1)

    def inhabitants(self, year: int) -> int:
        return max(round(self.figures[year].inhabitants * self.scale), self.households(year))

    def first_person(self, year: int) -> int:
        """The person sequence number (straatkubus.synth.bsns) of the unit's first person
        in a year: a fixed slot per unit within a block per year, so that BSNs never
        repeat within a year nor across years (the N_STEMS // bsn_block blocks are reused
        cyclically: at scale 70 after four years)."""
        return (year % max(N_STEMS // self.bsn_block, 1)) * self.bsn_block + self.bsn_offset


def tiles(scale: float) -> int:
    """Synthetic copies of Parkstad besides Parkstad itself."""
    return max(math.ceil(scale) - 1, 0)


def _partner_senders(copies: str) -> dict[str, list[str]]:
    """Partners (per source) that deliver for a municipality copying `copies`."""
    senders: dict[str, list[str]] = {}
    for partner in PARTNERS.values():
        if copies in partner.municipalities:
            for source in partner.sources:
                senders.setdefault(source, []).append(partner.code)
    return senders


def units(data_dir: Path, scale: float, seed: int, years: Iterable[int], horizon: int) -> list[Unit]:
    """The units of every municipality of every tile, with figures for `years` and every
    year from BASE_YEAR up to `horizon`."""
    n_tiles = tiles(scale)
    copies_of = reference.scope_municipalities(n_tiles)
    tile_scale = scale / (n_tiles + 1)
    areas_by_code: dict[str, list[reference.Pc4Area]] = {}
    for area in reference.scope_pc4_areas(data_dir, n_tiles):
        areas_by_code.setdefault(area.municipality_code, []).append(area)
    figure_years = sorted(set(range(BASE_YEAR, horizon + 1)) | set(years) | set(reference.REFERENCE_YEARS))
    figures = drift_unpublished(
        seed, {year: reference.municipality_figures(data_dir, year) for year in figure_years},
        {year: reference.municipality_figures(data_dir, year, published_only=True) for year in figure_years})
    real = sorted(figures[BASE_YEAR])
    woz_targets = woz.mean_values(data_dir, real, figure_years, seed)
    wmo: dict[str, dict[int, float]] = {code: {} for code in real}
    for year in figure_years:
        published = [f.wmo_clients_per_1000 for f in figures[year].values() if f.wmo_clients_per_1000 is not None]
        for code in real:
            value = figures[year][code].wmo_clients_per_1000
            wmo[code][year] = value if value is not None else sum(published) / len(published)

    capacity = {code: max(round(figures[y][code].inhabitants * tile_scale) for y in figure_years) + 1
                for code in real}
    index = {year: social_index(figures[year]) for year in figure_years}
    tile_of = {reference.tile_municipality_code(code, t): t for t in range(n_tiles + 1) for code in real}
    wijken_by_tile: dict[int, list[reference.Wijk]] = {}
    for wijk in reference.scope_wijken(data_dir, n_tiles):
        wijken_by_tile.setdefault(tile_of[wijk.municipality_code], []).append(wijk)
    bsn_block = sum(capacity[copies] for copies in copies_of.values())
    result: list[Unit] = []
    offset = 0
    for code, copies in copies_of.items():
        tile = tile_of[code]
        result.append(Unit(
            tile=tile, code=code, copies=copies,
            areas=areas_by_code[code], scale=tile_scale,
            figures={y: figures[y][copies] for y in figure_years}, woz_targets=woz_targets[copies],
            wmo_per_1000=wmo[copies], senders=_partner_senders(copies),
            bsn_offset=offset, bsn_block=bsn_block, wijken=wijken_by_tile.get(tile, []),
            variation=Variation(seed, tile, int(code[2:]), {y: index[y][copies] for y in figure_years},
                                {y: figures[y][copies] for y in figure_years})))
        offset += capacity[copies]
    return result
