"""How the synthetic rates vary between municipalities and over the years.

CBS publishes per municipality the figures the generator is calibrated to exactly
(inhabitants, households, one-person households, 65+, WOZ, corporation housing, youth care,
WMO, the social minimum, vacancy, recorded crimes). Every other rate follows a model:

    rate(m, year) = base * exp(beta * s(m, year) + u(m) + t(m) * (year - 2022) + e(m, year))

* `s` is the municipality's social index for the year: the mean z-score, over the seven
  Parkstad municipalities, of its CBS shares of households around the social minimum, with a
  low income and in corporation housing (a tile municipality takes its original's);
* `u ~ N(0, effect)` is the municipality's own level (policy, registration practice);
* `t ~ N(0, trend)` its yearly trend: some municipalities improve, others deteriorate;
* `e ~ N(0, noise)` the year's own deviation.

`u`, `t` and `e` are seeded per (seed, tile, municipality, rate), so every rate of every
municipality is reproducible and independent of the years and scale generated. The share of
65-plussers living alone follows the municipal one-person-household share instead (see
`elderly_alone_share`).

CBS figures of a year CBS has not published (most figures stop at 2022) are not carried
forward unchanged: from the nearest published year they drift by a seeded trend per
municipality and figure (`DRIFTS`, see `drift_unpublished`), so that youth care, WMO,
incomes, corporation housing, vacancy and WOZ move over the years too. Published figures
are kept exactly, and a year between two published ones is interpolated.

Neighbourhoods differ through the deprivation and ageing of their PC4 and PC6 areas (see
straatkubus.synth.addresses), which themselves drift per PC4 over the years.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from straatkubus.ingest.reference import MunicipalityFigures

TREND_FROM = 2022  # trends count the years since this one (the first year generated)


@dataclass(frozen=True)
class Rate:
    base: float  # Parkstad level
    beta: float  # effect of one unit of the social index (log scale)
    effect: float  # sd of the municipality's own level (log scale)
    trend: float  # sd of the municipality's yearly trend (log scale per year)
    noise: float = 0.03  # sd of a year's own deviation (log scale)


RATES: dict[str, Rate] = {
    "single_parent_share": Rate(0.16, 0.10, 0.06, 0.02),  # of multi-person households
    "bijstand": Rate(1.0, 0.05, 0.08, 0.04),  # factor on the CBS-derived volume
    "debt_help": Rate(1.0, 0.10, 0.15, 0.06),
    "long_bijstand_years": Rate(3.0, 0.15, 0.15, 0.04),  # mean years on bijstand before the year
    "informal_carer_share": Rate(0.03, -0.10, 0.20, 0.05),  # of adults
    "heavy_care": Rate(6.0, 0.05, 0.15, 0.04),  # gamma scale of the weekly care hours
    "arrears_share": Rate(0.05, 0.20, 0.15, 0.07),  # of corporation tenancies, 1-2 months
    "severe_arrears_share": Rate(0.015, 0.25, 0.18, 0.08),  # 3 months or more
    "eviction_share": Rate(0.0015, 0.25, 0.30, 0.10),
    "mental_health_share": Rate(0.07, 0.12, 0.10, 0.04),  # of the insured
    "care_costs": Rate(1.0, 0.04, 0.05, 0.02),  # factor on costs by age
    "reports_per_1000": Rate(150.0, 0.10, 0.12, 0.05),
    "waste_reports": Rate(1.0, 0.05, 0.20, 0.06),  # factor on the waste category's weight
    "nuisance_reports": Rate(1.0, 0.20, 0.20, 0.06),  # factor on the nuisance category's weight
    "police_nuisance_per_crime": Rate(0.5, 0.15, 0.15, 0.06),
    "burglary": Rate(1.0, -0.05, 0.20, 0.08),  # factor on the burglary share of crimes
    "violence": Rate(1.0, 0.15, 0.15, 0.05),  # factor on the violence share of crimes
    "environmental_per_1000": Rate(10.0, 0.10, 0.30, 0.08),
    "dumping": Rate(1.0, 0.20, 0.25, 0.08),  # factor on the dumping category's weight
}
ELDERLY_ALONE_REFERENCE = (0.36, 0.40)  # 65+ living alone where 40 % of households are one person
ELDERLY_ALONE_SLOPE = 1.5  # on the logit scale, per logit of the one-person-household share
_PURPOSE = 1000  # seed purposes of this module start here (those of straatkubus.synth.sampling lie below)
# MunicipalityFigures field: sd of its yearly drift (log scale) in years CBS has not published.
DRIFTS = {
    "pct_corporation_dwellings": 0.015,
    "pct_around_social_minimum": 0.06,
    "pct_low_income": 0.03,
    "pct_youth_care": 0.05,
    "wmo_clients_per_1000": 0.04,
    "pct_vacant": 0.08,
    "avg_woz_eur": 0.02,  # around the regional growth of straatkubus.synth.woz.WOZ_GROWTH
}
_DRIFT_PURPOSE = 2000


def drift_factor(seed: int, code: str, field: str, years: int) -> float:
    """The factor by which `field` of municipality `code` has drifted `years` years after
    (or, negative, before) its nearest CBS figure."""
    sequence = np.random.SeedSequence([seed & 0xFFFFFFFF, _DRIFT_PURPOSE + list(DRIFTS).index(field),
                                       int(code[2:])])
    return math.exp(DRIFTS[field] * float(np.random.default_rng(sequence).normal()) * years)


def unpublished_years(published: dict[int, float | None], year: int) -> int:
    """Years since (negative: until) the nearest published year when `year` is not
    published and not between two published years (then the figure is carried from
    there); 0 otherwise."""
    known = [y for y, value in published.items() if value is not None]
    if not known or year in known or (min(known) < year < max(known)):
        return 0
    return year - min(known, key=lambda y: abs(year - y))


def drift_unpublished(seed: int, figures: dict[int, dict[str, MunicipalityFigures]],
                      published: dict[int, dict[str, MunicipalityFigures]]
                      ) -> dict[int, dict[str, MunicipalityFigures]]:
    """`figures` (year -> code -> figures, gaps filled by reference.municipality_figures)
    with every carried figure drifted (see DRIFTS); `published` holds the same with None
    where CBS has not published, for as many years as are known."""
    result: dict[int, dict[str, MunicipalityFigures]] = {}
    for year, by_code in figures.items():
        result[year] = {}
        for code, fig in by_code.items():
            changes = {}
            for field in DRIFTS:
                value = getattr(fig, field)
                history = {y: getattr(published[y][code], field) for y in published}
                years = unpublished_years(history, year)
                if value is not None and years:
                    changes[field] = value * drift_factor(seed, code, field, years)
            result[year][code] = replace(fig, **changes)
    return result


def social_index(figures: dict[str, MunicipalityFigures]) -> dict[str, float]:
    """Per municipality, the mean z-score (over the municipalities given) of its shares of
    households around the social minimum, with a low income and in corporation housing."""
    columns = ("pct_around_social_minimum", "pct_low_income", "pct_corporation_dwellings")
    codes = sorted(figures)
    scores = np.zeros(len(codes))
    for column in columns:
        values = np.array([getattr(figures[code], column) for code in codes], dtype=float)
        sd = values.std()
        scores += (values - values.mean()) / (sd if sd > 0 else 1.0) / len(columns)
    return dict(zip(codes, scores.tolist(), strict=True))


class Variation:
    """The rates of one municipality (of one tile) in every year; see the module docstring."""

    def __init__(self, seed: int, tile: int, municipality: int,
                 index_by_year: dict[int, float], figures: dict[int, MunicipalityFigures]) -> None:
        self._key = [seed & 0xFFFFFFFF, tile, municipality]
        self._index = index_by_year
        self._figures = figures

    def _normal(self, name: str, *parts: int) -> float:
        sequence = np.random.SeedSequence([_PURPOSE + list(RATES).index(name), *self._key, *parts])
        return float(np.random.default_rng(sequence).normal())

    def rate(self, name: str, year: int) -> float:
        spec = RATES[name]
        log = (spec.beta * self._index[year] + spec.effect * self._normal(name, 0)
               + spec.trend * self._normal(name, 1) * (year - TREND_FROM)
               + spec.noise * self._normal(name, 2, year))
        return spec.base * math.exp(log)

    def elderly_alone_share(self, year: int) -> float:
        """Share of 65-plussers living alone: on the logit scale a line through
        ELDERLY_ALONE_REFERENCE in the municipality's CBS share of one-person households."""
        def logit(p: float) -> float:
            return math.log(p / (1 - p))

        share, reference = ELDERLY_ALONE_REFERENCE
        one_person = self._figures[year].pct_one_person_households / 100
        log = logit(share) + ELDERLY_ALONE_SLOPE * (logit(one_person) - logit(reference))
        return 1 / (1 + math.exp(-log))
