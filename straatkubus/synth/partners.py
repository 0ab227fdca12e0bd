"""The yearly partner sources of a unit: corporation tenancies and care consumption.

Every corporation dwelling is occupied and has one tenancy, delivered by the corporation
owning its PC6 (ids `WEL-20240917000123`); rent arrears and evictions concentrate in
deprived, low-income and single-parent households. The health insurer delivers care
consumption per PC6 with residents: insured persons, mental health clients (more where
deprivation is high) and care costs by age. Partner files hold every municipality a
partner serves, so these are appended to.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from straatkubus.synth.addresses import Geography
from straatkubus.synth.population import SINGLE_PARENT, Population
from straatkubus.synth.sampling import PURPOSE_PARTNERS, day, last_day, ranks, stream
from straatkubus.synth.scope import Unit
from straatkubus.synth.writer import POSTCODE_SQL, Writer, literal, nullable_date_sql, postcode_columns

UNINSURED_SHARE = 0.015  # residents not insured with the insurer
_CORPORATION_PREFIX = {"weller": "WEL", "heemwonen": "HEEM", "wonenlimburg": "WL"}


def write_partner_yearly(writer: Writer, unit: Unit, geo: Geography, pop: Population, year: int,
                         seed: int) -> None:
    """Every yearly partner source of the unit (both draw from one stream, in this order)."""
    rng = stream(seed, PURPOSE_PARTNERS, unit.tile, unit.number, year)
    _write_tenancies(writer, unit, geo, pop, year, rng)
    _write_care_consumption(writer, unit, geo, pop, year, rng)


def _write_tenancies(writer: Writer, unit: Unit, geo: Geography, pop: Population, year: int,
                     rng: np.random.Generator) -> None:
    """Corporation tenancies: one per corporation dwelling (all occupied), owner by PC6."""
    corp_addresses = pop.dwellings[pop.corporation]
    household_at = np.full(len(geo.pc6), -1, dtype=np.int64)
    household_at[pop.hh_address] = np.arange(len(pop.hh_address))
    tenant = household_at[corp_addresses]
    dep = pop.dep[pop.hh_first[tenant]]
    latent = (0.6 * dep + 1.0 * (pop.income[tenant] <= 110) + 0.5 * (pop.hh_type[tenant] == SINGLE_PARENT)
              + rng.normal(0, 1, len(tenant)))
    rank = ranks(-latent)
    rate = unit.variation.rate
    severe = round(rate("severe_arrears_share", year) * len(tenant))
    mild = round(rate("arrears_share", year) * len(tenant))
    months = np.where(rank < severe, 3 + np.floor(rng.gamma(1.2, 2.5, len(tenant))).clip(0, 30),
                      np.where(rank < severe + mild, rng.integers(1, 3, len(tenant)), 0)).astype(np.int64)
    evicted = rank < round(rate("eviction_share", year) * len(tenant))
    start, end = day(date(year, 1, 1)), last_day(date(year, 12, 31))
    eviction = np.where(evicted, start + rng.integers(0, end - start + 1, len(tenant)), -1)
    owner = geo.owner[geo.pc6[corp_addresses]]
    for index, corporation in enumerate(unit.corporations):
        rows = np.flatnonzero(owner == index)
        prefix = f"{_CORPORATION_PREFIX.get(corporation, corporation[:4].upper())}-{year}{unit.code[2:]}"
        writer.write("corporation_tenancies", corporation, str(year), {
            "seq": np.arange(len(rows)), **postcode_columns(geo, geo.pc6[corp_addresses[rows]]),
            "number": geo.number[corp_addresses[rows]], "months": months[rows], "evicted": eviction[rows],
        }, [
            ("tenancy_id", f"'{prefix}' || lpad(seq::VARCHAR, 6, '0')"), ("municipality_code", literal(unit.code)),
            ("postcode", POSTCODE_SQL), ("house_number", "number"), ("months_in_arrears", "months"),
            ("eviction_date", nullable_date_sql("evicted")),
        ], append=True)


def _write_care_consumption(writer: Writer, unit: Unit, geo: Geography, pop: Population, year: int,
                            rng: np.random.Generator) -> None:
    """Care consumption per PC6 with residents."""
    n6 = len(geo.pc6_letter)
    residents = np.bincount(pop.pc6, minlength=n6)
    cost_by_age = np.select([pop.age < 18, pop.age < 45, pop.age < 65, pop.age < 75], [1300, 1750, 2800, 5200], 8200)
    cost = np.bincount(pop.pc6, weights=cost_by_age, minlength=n6)
    places = np.flatnonzero(residents > 0)
    insured = residents[places] - rng.binomial(residents[places], UNINSURED_SHARE)
    dep6 = geo.deprivation(year)[places]
    rate = unit.variation.rate
    share = rate("mental_health_share", year)
    ggz = share * np.exp(0.35 * dep6)
    ggz = np.clip(ggz * share / np.average(ggz, weights=residents[places]), 0, 0.6)
    clients = rng.binomial(insured, ggz)
    costs = np.round(cost[places] * rate("care_costs", year) * insured / residents[places] * np.exp(0.08 * dep6
                     + rng.normal(0, 0.12, len(places))) * 100)
    for partner in unit.senders.get("care_consumption", []):
        writer.write("care_consumption", partner, str(year), {
            **postcode_columns(geo, places), "insured": insured, "clients": clients, "cents": costs,
        }, [
            ("postcode", POSTCODE_SQL), ("municipality_code", literal(unit.code)), ("insured_persons", "insured"),
            ("mental_health_clients", "clients"), ("care_costs_eur", "(cents / 100)::DECIMAL(14,2)"),
        ], append=True)
