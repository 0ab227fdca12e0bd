"""Events of a unit for a year or one month: public-space reports, police and environmental incidents.

Reports (~150 per 1000 inhabitants a year, ids `MOR-GM0917-2024-000123`, a month:
`MOR-GM0917-202501-000123`) are delivered by the municipality; police incidents (the
recorded crimes of the year plus nuisance, `PL2024-0917-000123`) and environmental
incidents (`RUD2024-0917-00123`) by the partners serving it, appended to their files.
Nuisance and disorder concentrate where deprivation is high, environmental incidents
around businesses. With `month` only that month is drawn, from its own stream.
"""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np

from straatkubus.ingest.contracts import CONTRACTS
from straatkubus.synth.addresses import Geography
from straatkubus.synth.sampling import PURPOSE_EVENTS, apportion, choice, day, last_day, stream
from straatkubus.synth.scope import Unit
from straatkubus.synth.writer import POSTCODE_SQL, Writer, date_sql, enum_sql, literal, postcode_columns


def write_events(writer: Writer, unit: Unit, geo: Geography, year: int, month: int | None, seed: int) -> None:
    """Public-space reports, police and environmental incidents for a year or one month."""
    fig = unit.figures[year]
    rng = stream(seed, PURPOSE_EVENTS, unit.tile, unit.number, year, month or 0)
    if month is None:
        first, last, period, tag = date(year, 1, 1), date(year, 12, 31), str(year), str(year)
    else:
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        period, tag = f"{year}-{month:02d}", f"{year}{month:02d}"
    start, end = day(first), last_day(last)
    fraction = (end - start + 1) / (366 if calendar.isleap(year) else 365)
    persons = unit.inhabitants(year)
    present = np.flatnonzero(geo.present(year))
    residential = geo.use[present] == 0
    dep = geo.deprivation(year)[geo.pc6[present]]
    muni = literal(unit.code)

    def draw(weights: np.ndarray, count: int) -> np.ndarray:
        return geo.pc6[present[choice(rng, weights, count)]] if count else np.zeros(0, np.int64)

    def emit(source: str, sender: str, kinds: list[tuple[int, np.ndarray, int]], id_sql: str,
             type_column: str, date_column: str, append: bool) -> None:
        pc6 = np.concatenate([draw(w, c) for _, w, c in kinds])
        days = start + rng.integers(0, end - start + 1, len(pc6))
        kind = np.concatenate([np.full(c, k) for k, _, c in kinds])
        order = np.lexsort((pc6, days))
        values = CONTRACTS[source].columns[2].values
        writer.write(source, sender, period, {
            "seq": np.arange(len(pc6)), "kind": kind[order], "day": days[order],
            **postcode_columns(geo, pc6[order]),
        }, [
            (CONTRACTS[source].columns[0].name, id_sql), ("municipality_code", muni),
            (type_column, enum_sql("kind", values)), (date_column, date_sql("day")), ("postcode", POSTCODE_SQL),
        ], append=append)

    # Public-space reports: ~150 per 1000 inhabitants a year, nuisance where deprivation is high.
    rate = unit.variation.rate
    total = round(rate("reports_per_1000", year) / 1000 * persons * (0.85 + 0.025 * fig.pct_around_social_minimum)
                  * fraction)
    shares = apportion(total, np.array([0.30 * rate("waste_reports", year), 0.15, 0.25, 0.10,
                                        0.12 * rate("nuisance_reports", year), 0.08]))
    base = np.where(residential, np.exp(0.2 * dep), 3.0)
    nuisance = np.where(residential, np.exp(1.0 * dep), 0.5)
    kinds = [(k, nuisance if k == 4 else base, int(c)) for k, c in enumerate(shares)]
    emit("public_space_reports", unit.code, kinds, f"'MOR-{unit.code}-{tag}-' || lpad(seq::VARCHAR, 6, '0')",
         "category", "reported_date", append=False)

    # Police: the recorded crimes of the year plus about half as many nuisance incidents.
    crimes = round(fig.recorded_crimes * unit.scale * fraction)
    crime_counts = apportion(crimes, np.array([0.15 * rate("burglary", year), 0.35 * rate("violence", year), 0.50]))
    nuisance_counts = apportion(round(rate("police_nuisance_per_crime", year) * crimes),
                                np.array([0.35, 0.20, 0.25, 0.20]))
    burglary = np.where(residential, np.exp(-0.1 * dep), 0.3)
    violence = np.where(residential, np.exp(0.5 * dep), 3.0)
    disorder = np.where(residential, np.exp(1.1 * dep), 0.5)
    kinds = ([(0, burglary, int(crime_counts[0])), (1, violence, int(crime_counts[1])),
              (2, violence, int(crime_counts[2]))]
             + [(3 + k, disorder, int(c)) for k, c in enumerate(nuisance_counts)])
    for partner in unit.senders.get("police_incidents", []):
        emit("police_incidents", partner, kinds, f"'PL{tag}-{unit.code[2:]}-' || lpad(seq::VARCHAR, 6, '0')",
             "incident_type", "incident_date", append=True)

    # Environmental incidents: ~10 per 1000 inhabitants a year, around businesses and dumping.
    total = round(rate("environmental_per_1000", year) / 1000 * persons * fraction)
    shares = apportion(total, np.array([0.35 * rate("dumping", year), 0.30, 0.20, 0.05, 0.10]))
    industry = np.where(residential, 0.3, np.where(geo.use[present] == 4, 10.0, 3.0))
    dumping = np.where(residential, np.exp(0.5 * dep), 2.0)
    kinds = [(k, dumping if k == 0 else industry, int(c)) for k, c in enumerate(shares)]
    for partner in unit.senders.get("environmental_incidents", []):
        emit("environmental_incidents", partner, kinds,
             f"'RUD{tag}-{unit.code[2:]}-' || lpad(seq::VARCHAR, 5, '0')", "category", "incident_date",
             append=True)
