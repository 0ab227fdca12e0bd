"""How the synthetic rates that have no CBS figure vary between municipalities and years.

CBS publishes per municipality and year the figures the generator is calibrated to exactly
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
`elderly_alone_share`). Neighbourhoods differ through the deprivation and ageing of their
PC4 and PC6 areas (see straatkubus.generate), which themselves drift per PC4 over the years.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from straatkubus.reference import MunicipalityFigures

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
_PURPOSE = 1000  # seed purposes of this module start here (straatkubus.generate uses 0-99)


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
