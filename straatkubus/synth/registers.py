"""The municipal registers of a unit and year: BAG, BRP, WOZ, income, bijstand, debt help,
WMO, youth care and informal carers.

Counts that CBS publishes are met exactly (WMO clients per 1000, the youth care share, the
WOZ mean); the others follow straatkubus.synth.variation. Who is chosen follows the
correlations of straatkubus.synth.addresses: low incomes and deprivation for bijstand,
debt help and youth care, age for WMO, ageing areas for informal carers. The registers
draw from one stream per unit and year, in the order write_municipal writes them.
Household ids are `GM0917-2024-0001234`.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from straatkubus.ingest.contracts import CONTRACTS
from straatkubus.synth import woz
from straatkubus.synth.addresses import USES, Geography
from straatkubus.synth.population import SINGLE_PARENT, Population
from straatkubus.synth.sampling import PURPOSE_SOURCES, choice, day, last_day, pick, stream, trajectories
from straatkubus.synth.scope import Unit
from straatkubus.synth.writer import (
    POSTCODE_SQL,
    Writer,
    date_sql,
    enum_sql,
    literal,
    nullable_date_sql,
    postcode_columns,
)

BIJSTAND_PER_PCT_MINIMUM = 0.008  # beneficiaries / adults 18-66 per % around social minimum
DEBT_HELP_PER_PCT_MINIMUM = 0.0022  # households in debt help per % around social minimum


def write_bag(writer: Writer, unit: Unit, geo: Geography, year: int) -> int:
    """The addresses standing in a year; returns their number."""
    rows = np.flatnonzero(geo.present(year))
    decimals = "DECIMAL(11,7)" if geo.wgs84 else "DECIMAL(10,3)"
    writer.write("bag_addresses", unit.code, str(year), {
        "id": geo.addr_id[rows], **postcode_columns(geo, geo.pc6[rows]),
        "number": geo.number[rows], "use": geo.use[rows],
        "floor": geo.floor[rows], "built": geo.built[rows], "x": geo.x[rows], "y": geo.y[rows],
    }, [
        ("address_id", "lpad(id::VARCHAR, 16, '0')"), ("postcode", POSTCODE_SQL), ("house_number", "number"),
        ("municipality_code", literal(unit.code)), ("use", enum_sql("use", USES)), ("floor_area", "floor"),
        ("building_year", "built"), ("x", f"x::{decimals}"), ("y", f"y::{decimals}"),
        ("crs", literal("EPSG:4326" if geo.wgs84 else "EPSG:28992")),
    ])
    return len(rows)


def write_municipal(writer: Writer, unit: Unit, geo: Geography, pop: Population, year: int,
                    seed: int) -> None:
    """Every municipal register but the BAG."""
    rng = stream(seed, PURPOSE_SOURCES, unit.tile, unit.number, year)
    start, end = day(date(year, 1, 1)), last_day(date(year, 12, 31))
    _write_persons(writer, unit, geo, pop, year)
    _write_woz(writer, unit, geo, pop, year, rng)
    _write_income(writer, unit, pop, year)
    _write_social_assistance(writer, unit, pop, year, rng, start, end)
    _write_debt_help(writer, unit, pop, year, rng, start, end)
    _write_wmo(writer, unit, pop, year, rng, start, end)
    _write_youth_care(writer, unit, pop, year, rng, start, end)
    _write_informal_carers(writer, unit, geo, pop, year, rng, end)


def _write_persons(writer: Writer, unit: Unit, geo: Geography, pop: Population, year: int) -> None:
    """BRP: every person with their address and household."""
    writer.write("brp_persons", unit.code, str(year), {
        "bsn": pop.bsn, "birth": pop.birth, "id": geo.addr_id[pop.hh_address][pop.hh], "hh": pop.hh,
    }, [
        ("bsn", "bsn"), ("birth_date", date_sql("birth")), ("address_id", "lpad(id::VARCHAR, 16, '0')"),
        ("household_id", f"'{unit.code}-{year}-' || lpad(hh::VARCHAR, 7, '0')"),
        ("municipality_code", literal(unit.code)),
    ])


def _write_woz(writer: Writer, unit: Unit, geo: Geography, pop: Population, year: int,
               rng: np.random.Generator) -> None:
    """WOZ: every dwelling; base values persist, scaled to the municipal mean of the year."""
    dwellings = pop.dwellings
    change = geo.deprivation(year)[geo.pc6[dwellings]] - geo.dep_base[geo.pc6[dwellings]]
    value = woz.dwelling_values(rng, geo.woz_rel[dwellings], change, unit.woz_targets[year])
    writer.write("woz_values", unit.code, str(year), {"id": geo.addr_id[dwellings], "woz": value}, [
        ("address_id", "lpad(id::VARCHAR, 16, '0')"), ("municipality_code", literal(unit.code)),
        ("valuation_date", f"DATE '{year - 1}-01-01'"), ("woz_value", "woz"),
    ])


def _write_income(writer: Writer, unit: Unit, pop: Population, year: int) -> None:
    """Income of every household, by its reference person."""
    writer.write("household_income", unit.code, str(year), {"bsn": pop.bsn[pop.hh_first], "income": pop.income}, [
        ("bsn", "bsn"), ("municipality_code", literal(unit.code)),
        ("income_pct_social_minimum", "income::DECIMAL(7,1)"),
    ])


def _write_social_assistance(writer: Writer, unit: Unit, pop: Population, year: int,
                             rng: np.random.Generator, start: int, end: int) -> None:
    """Bijstand: adults of working age in low-income households, mostly the reference person."""
    ref_age, rate = pop.age[pop.hh_first], unit.variation.rate
    working = np.flatnonzero((ref_age >= 18) & (ref_age < 67))
    adults_working = int(((pop.age >= 18) & (pop.age < 67)).sum())
    count = round(BIJSTAND_PER_PCT_MINIMUM * unit.figures[year].pct_around_social_minimum * adults_working
                  * rate("bijstand", year))
    weight = np.exp(-np.maximum(pop.income[working] - 105, 0) / 12 + 0.3 * pop.dep[pop.hh_first][working])
    chosen = working[pick(rng, weight, count)]
    who = pop.hh_first[chosen]
    kind = np.where(pop.age[who] >= 55, choice(rng, np.array([0.80, 0.17, 0.03]), len(who)),
                    choice(rng, np.array([0.97, 0.0, 0.03]), len(who)))
    begin, finish = trajectories(rng, len(who), start, end, pop.birth[who] + 18 * 366, 0.75,
                                 rate("long_bijstand_years", year), 0.15)
    _write_trajectories(writer, unit, year, "social_assistance", pop.bsn[who], kind, begin, finish)


def _write_debt_help(writer: Writer, unit: Unit, pop: Population, year: int,
                     rng: np.random.Generator, start: int, end: int) -> None:
    """Debt help: households, weighted to low incomes and deprivation; some in two phases."""
    ref_age, rate = pop.age[pop.hh_first], unit.variation.rate
    count = round(DEBT_HELP_PER_PCT_MINIMUM * unit.figures[year].pct_around_social_minimum * len(pop.hh_type)
                  * rate("debt_help", year))
    weight = (np.exp(0.6 * pop.dep[pop.hh_first]) * np.where(pop.income <= 130, 4.0, 1.0)
              * np.where(ref_age < 67, 1.0, 0.2))
    chosen = pick(rng, weight, count)
    who = pop.hh_first[chosen]
    kind = choice(rng, np.array([0.35, 0.30, 0.25, 0.10]), len(who))
    begin, finish = trajectories(rng, len(who), start, end, pop.birth[who] + 18 * 366, 0.6, 1.5, 0.3)
    phase_two = (finish >= 0) & (finish < end) & (rng.random(len(who)) < 0.5)
    bsn = np.concatenate([pop.bsn[who], pop.bsn[who][phase_two]])
    kind = np.concatenate([kind, np.where(kind[phase_two] == 0, 1, np.where(kind[phase_two] == 3, 2, 3))])
    second_end = np.where(rng.random(int(phase_two.sum())) < 0.2, end, -1)
    begin = np.concatenate([begin, finish[phase_two] + 1])
    finish = np.concatenate([finish, second_end])
    _write_trajectories(writer, unit, year, "debt_help", bsn, kind, begin, finish)


def _write_wmo(writer: Writer, unit: Unit, pop: Population, year: int,
               rng: np.random.Generator, start: int, end: int) -> None:
    """WMO: exactly the published clients per 1000, mostly 65+, one to three provisions."""
    clients = round(unit.wmo_per_1000[year] * len(pop.bsn) / 1000)
    age = pop.age
    weight = np.select([age >= 75, age >= 65, age >= 18], [14.0, 4.0, 0.6], 0.12) * np.exp(0.3 * pop.dep)
    who = pick(rng, weight, clients)
    provisions = 1 + rng.binomial(2, 0.22, len(who))
    type_weights = np.array([0.30, 0.15, 0.07, 0.25, 0.08, 0.15])
    keys = rng.exponential(size=(len(who), 6)) / type_weights
    types = np.argsort(keys, axis=1)[:, :3]
    take = np.arange(3)[None, :] < provisions[:, None]
    person = np.repeat(who, provisions)
    kind = types[take]
    begin, finish = trajectories(rng, len(person), start, end, pop.birth[person], 0.7, 2.5, 0.2)
    _write_trajectories(writer, unit, year, "wmo_provisions", pop.bsn[person], kind, begin, finish)


def _write_youth_care(writer: Writer, unit: Unit, pop: Population, year: int,
                      rng: np.random.Generator, start: int, end: int) -> None:
    """Youth care: exactly pct_youth_care of persons under 23, concentrated in deprivation."""
    age = pop.age
    under23 = np.flatnonzero(age < 23)
    count = round(unit.figures[year].pct_youth_care / 100 * len(under23))
    a = age[under23]
    profile = np.select([a < 4, a < 12, a < 18], [0.3, 1.0, 1.4], 0.5)
    single_parent = pop.hh_type[pop.hh[under23]] == SINGLE_PARENT
    low_income = pop.income[pop.hh[under23]] <= 110
    weight = (profile * np.exp(0.5 * pop.dep[under23]) * np.where(single_parent, 1.8, 1.0)
              * np.where(low_income, 1.4, 1.0))
    who = under23[pick(rng, weight, count)]
    a = age[who]
    first_type = np.where(a >= 12, choice(rng, np.array([0.76, 0.07, 0.09, 0.08]), len(who)),
                          choice(rng, np.array([0.82, 0.08, 0.10, 0.0]), len(who)))
    second = rng.random(len(who)) < 0.2
    second_type = np.where(first_type == 0, 1 + 1 * (rng.random(len(who)) < 0.5), 0)[second]
    person = np.concatenate([who, who[second]])
    kind = np.concatenate([first_type, second_type])
    begin, finish = trajectories(rng, len(person), start, end, pop.birth[person], 0.6, 1.5, 0.35)
    _write_trajectories(writer, unit, year, "youth_care", pop.bsn[person], kind, begin, finish)


def _write_informal_carers(writer: Writer, unit: Unit, geo: Geography, pop: Population, year: int,
                           rng: np.random.Generator, end: int) -> None:
    """Informal carers: a few % of adults, mostly 40-75, more in ageing areas."""
    age, rate = pop.age, unit.variation.rate
    adults = np.flatnonzero(age >= 18)
    a = age[adults]
    weight = np.where((a >= 40) & (a < 76), 2.5, 0.7) * np.exp(0.3 * geo.ageing[pop.pc6[adults]])
    who = adults[pick(rng, weight, round(rate("informal_carer_share", year) * len(adults)))]
    earliest = np.maximum(pop.birth[who] + 18 * 366, day(date(year - 6, 1, 1)))
    registered = earliest + np.floor(rng.random(len(who)) * (end - earliest + 1)).astype(np.int64)
    hours = np.clip(1 + np.floor(rng.gamma(1.6, rate("heavy_care", year), len(who))), 1, 80).astype(np.int64)
    writer.write("informal_carers", unit.code, str(year), {"bsn": pop.bsn[who], "reg": registered, "hours": hours}, [
        ("bsn", "bsn"), ("municipality_code", literal(unit.code)), ("registration_date", date_sql("reg")),
        ("care_hours_per_week", "hours"),
    ])


def _write_trajectories(writer: Writer, unit: Unit, year: int, source: str, bsn: np.ndarray,
                        kind: np.ndarray, begin: np.ndarray, finish: np.ndarray) -> None:
    """A source of (bsn, municipality, kind, start, end) rows."""
    kind_column = CONTRACTS[source].columns[2]
    writer.write(source, unit.code, str(year), {"bsn": bsn, "kind": kind, "begin": begin, "finish": finish}, [
        ("bsn", "bsn"), ("municipality_code", literal(unit.code)),
        (kind_column.name, enum_sql("kind", kind_column.values)),
        ("start_date", date_sql("begin")), ("end_date", nullable_date_sql("finish")),
    ])
