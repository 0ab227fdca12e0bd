"""Persons and households of a unit in one year, placed in its dwellings.

Persons and households are redrawn every year with fresh BSNs (straatkubus.synth.bsns): a
BSN denotes one person (one birth date) across all files and years, but nobody appears in
two years. Household types follow the municipal shares of one-person households, 65+
(living alone as straatkubus.synth.variation says) and single parents; they settle by
affinity (elderly where PC6 areas are ageing, single parents where deprivation is high).
Exactly the CBS share of households is at or below 110 % of the social minimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from straatkubus.synth.addresses import Geography
from straatkubus.synth.bsns import BsnMap
from straatkubus.synth.sampling import PURPOSE_PERSONS, jan1_days, pick, ranks, stream, zscore
from straatkubus.synth.scope import Unit

# Household types.
SINGLE_OLD, SINGLE, COUPLE_OLD, COUPLE_MIXED, COUPLE, FAMILY, SINGLE_PARENT = range(7)
_ADULTS = np.array([1, 1, 2, 2, 2, 2, 1])

DEPENDANTS_PER_FAMILY = 1.8
INCOME_SIGMA = 0.5  # log-sd of household income (% of social minimum)


@dataclass
class Population:
    """Households and persons of a unit in one year."""

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


def build_population(unit: Unit, geo: Geography, year: int, seed: int, bsn_map: BsnMap) -> Population:
    """The unit's households and persons of a year, in its dwellings of that year."""
    rng = stream(seed, PURPOSE_PERSONS, unit.tile, unit.number, year)
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
    occupied_other = others[pick(rng, np.exp(-0.3 * dwell_dep[others]), households - corp_count)]
    occupied = np.sort(np.concatenate([np.flatnonzero(corporation), occupied_other]))

    # Household types placed in the occupied dwellings, sequentially by affinity.
    d = dwell_dep[occupied]
    a = geo.ageing[geo.pc6[dwellings[occupied]]]
    y = geo.youth[geo.pc6[dwellings[occupied]]]
    corp = corporation[occupied].astype(float)
    roomy = zscore(np.log(geo.floor[dwellings[occupied]]))
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
        chosen = candidates[pick(rng, np.exp(score[candidates]), counts[kind])]
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
    birth = jan1_days(year - age) - rng.integers(0, 365, persons)

    # Household income (% of the social minimum): a latent ranks households, then an exact
    # share at or below 110 %.
    type_effect = np.array([-0.2, -0.4, 0.1, 0.1, 0.3, 0.2, -0.8])[hh_type]
    latent = -0.6 * d + type_effect - 0.5 * corp + rng.normal(0, 0.8, households)
    low = min(round(fig.pct_around_social_minimum / 100 * households), households - 1)
    normal = np.sort(rng.normal(0, 1, households))
    boundary = (normal[max(low - 1, 0)] + normal[low]) / 2  # income 110 % lies between these ranks
    rank = ranks(latent)
    income = np.exp(math.log(110) + INCOME_SIGMA * (normal[rank] - boundary))
    income = np.round(np.where(rank < low, np.minimum(income, 110.0), np.maximum(income, 110.1)), 1)
    income = np.clip(income, 20.0, 9999.9)

    hh_address = dwellings[occupied]
    sequence = unit.first_person(year) + np.arange(persons)
    return Population(
        dwellings=dwellings, corporation=corporation, hh_address=hh_address, hh_type=hh_type,
        hh_size=size, hh_first=first, income=income, bsn=bsn_map(sequence), birth=birth, age=age,
        hh=hh, dep=dep_all[geo.pc6[hh_address]][hh], pc6=geo.pc6[hh_address][hh])


