"""Synthetic, seeded deliveries for every source and sender (see straatkubus.ingest.contracts).

What is written
    For each year: the ten municipal sources per municipality (`<source>__GM0917__2024.csv`)
    and the partner sources per declared partner (`corporation_tenancies__weller__2024.csv`,
    `care_consumption__cz__2024.csv`, `police_incidents__politie__2024.csv`,
    `environmental_incidents__rudzl__2024.csv`). With `month="2025-01"` only the event
    sources (contracts with `monthly=True`) for that month.

How, in the order of the modules of straatkubus.synth
    scope       the units (one municipality of one tile) and the CBS figures each is
                calibrated to exactly; scale and tiles
    variation   the rates CBS does not publish per municipality, and drift in years it
                has not published
    border      PC6 areas split over two municipalities, planned from the base year
    addresses   addresses and PC6 areas of every year, persisting across years
                (geometry: where in a PC4 they lie)
    population  persons and households of a year (bsns: their BSNs)
    registers   the municipal registers of a year (woz: the WOZ values)
    partners    the yearly partner sources
    events      reports and incidents of a year or one month
    writer      DuckDB's CSV writer formats and writes the rows

Randomness and speed
    Each part draws from its own seeded stream (straatkubus.synth.sampling), so parts are
    independent of each other and of the other arguments. Everything is vectorised; one
    unit is held in memory at a time and its rows are formatted and written by DuckDB's
    CSV writer (partner files are appended to).

Identifiers
    Address ids, household ids, report, police, environment agency and tenancy ids (see
    the modules above) are unique across years and months, and no value outside a BSN
    column is ever a 9-digit number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from straatkubus.synth import scope
from straatkubus.synth.addresses import build_geography
from straatkubus.synth.border import BORDER_PC6_SHARE, plan_borders
from straatkubus.synth.bsns import BsnMap
from straatkubus.synth.events import write_events
from straatkubus.synth.partners import write_partner_yearly
from straatkubus.synth.population import build_population
from straatkubus.synth.registers import write_bag, write_municipal
from straatkubus.synth.scope import BASE_YEAR
from straatkubus.synth.writer import Writer

DEFAULT_YEARS = (2022, 2023, 2024)
# Told before each municipality (units done, units in all, its code) and at the end (all, all, "").
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class GenerationResult:
    files: list[Path]
    inhabitants: int  # of the last year (month mode: of the month's year, not written)
    addresses: int  # in the last year's BAG
    rows: int  # all data rows written


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
             border_pc6_share: float = BORDER_PC6_SHARE, progress: Progress | None = None) -> GenerationResult:
    """Write synthetic deliveries (see the module docstring) and return what was written."""
    if not scale > 0:
        raise ValueError("scale must be positive")
    month_year, month_number = _parse_month(month) if month else (None, None)
    years = tuple(sorted(set(years))) if month is None else (month_year,)
    if not years:
        raise ValueError("no years to generate")
    if date(years[-1], month_number or 1, 1) > date.today():
        raise ValueError(f"{month or years[-1]} has not begun yet: deliveries describe the past")
    horizon = max(max(years), BASE_YEAR)
    out_dir.mkdir(parents=True, exist_ok=True)

    units = scope.units(data_dir, scale, seed, years, horizon)
    borders = plan_borders(data_dir, units, seed, border_pc6_share)
    bsn_map = BsnMap(seed)
    writer = Writer(out_dir)
    inhabitants = addresses = 0
    try:
        for done, unit in enumerate(units):
            if progress:
                progress(done, len(units), unit.code)
            geo = build_geography(unit, seed, horizon, borders[unit.code])
            if month is not None:
                write_events(writer, unit, geo, month_year, month_number, seed)
                inhabitants += unit.inhabitants(month_year)
                addresses += int(geo.present(month_year).sum())
                continue
            for year in years:
                addresses_now = write_bag(writer, unit, geo, year)
                pop = build_population(unit, geo, year, seed, bsn_map)
                write_municipal(writer, unit, geo, pop, year, seed)
                write_partner_yearly(writer, unit, geo, pop, year, seed)
                write_events(writer, unit, geo, year, None, seed)
                if year == years[-1]:
                    inhabitants += len(pop.bsn)
                    addresses += addresses_now
        if progress:
            progress(len(units), len(units), "")
    finally:
        writer.close()
    return GenerationResult(files=sorted(set(writer.files)), inhabitants=inhabitants, addresses=addresses,
                            rows=writer.rows)
