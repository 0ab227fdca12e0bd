"""The dbt sources (`models/staging/<source>/_<source>__sources.yml`), rendered from what
fills the raw tables: the delivery contracts, the reference tables and the delivery manifest.

`straatkubus contracts --write` writes them; a unit test fails when a committed file differs
from what this module renders, so dbt never describes a raw table other than the loader
makes it.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

from straatkubus.ingest.contracts import CONTRACTS, PARTNERS, Contract
from straatkubus.settings import REPO

# How old a source's newest load may be before dbt calls it stale (warn, error; days),
# by how often it is delivered. `straatkubus build` refuses stale registers on its own
# setting (STRAATKUBUS_MAX_REGISTER_AGE_DAYS).
FRESHNESS_DAYS = {"year": (400, 800), "month": (45, 90)}
LINE_LENGTH = 96


@dataclass(frozen=True)
class SourceColumn:
    name: str
    description: str
    tests: tuple[str, ...] = ()
    pii: bool = False


@dataclass(frozen=True)
class SourceTable:
    name: str
    description: str
    columns: tuple[SourceColumn, ...]


@dataclass(frozen=True)
class DbtSource:
    name: str  # also its folder under models/staging/
    description: str
    tables: tuple[str, ...]  # contracts, or the keys of OTHER_TABLES
    loaded_at_field: str = "delivery_loaded_at"
    delivered_per: str = "year"  # "month": also delivered per month (FRESHNESS_DAYS)

    @property
    def path(self) -> Path:
        return REPO / "models" / "staging" / self.name / f"_{self.name}__sources.yml"


SOURCES = (
    DbtSource("bag", "BAG (Basisregistratie Adressen en Gebouwen) extracts of the "
              "municipalities, one per municipality and year, loaded by `straatkubus load`.",
              ("bag_addresses",)),
    DbtSource("brp", "BRP (Basisregistratie Personen) deliveries of the municipalities, one "
              "per municipality and year, loaded by `straatkubus load`. The BSN is replaced at "
              "intake by a keyed HMAC pseudonym; no BSN is ever stored.", ("brp_persons",)),
    DbtSource("cbs", "Real CBS reference data from data/reference (PC4, wijk and municipality "
              "boundaries, Kerncijfers wijken en buurten per municipality), loaded by "
              "`straatkubus load` (Bron: CBS, CC BY 4.0). At benchmark scales the tables also "
              "hold synthetic copies (tiles) of Parkstad with municipality codes GM9xxx.",
              ("cbs_pc4_areas", "cbs_wijken", "cbs_municipality_areas",
               "cbs_municipality_figures"), loaded_at_field="loaded_at"),
    DbtSource("deliveries", "The delivery manifest `straatkubus load` keeps: one row per "
              "delivered file (source, sender, period), whether it was loaded, replaced, held "
              "or refused, and which version of a source, sender and period is current.",
              ("deliveries",), loaded_at_field="loaded_at", delivered_per="month"),
    DbtSource("environment_agency", "Environmental incidents reported to RUD Zuid-Limburg (the "
              "regional environment agency) for all Parkstad municipalities, delivered per year "
              "or per month, loaded by `straatkubus load`. An incident can come in both a "
              "yearly and a monthly delivery; staging keeps the latest.",
              ("environmental_incidents",), delivered_per="month"),
    DbtSource("housing_corporations", "Tenancy deliveries of the housing corporations (Weller, "
              "HEEMwonen, Wonen Limburg), one per corporation and year, for the municipalities "
              "each declared, loaded by `straatkubus load`.", ("corporation_tenancies",)),
    DbtSource("income", "Standardised household income deliveries of the municipalities (from "
              "the income administration), one per municipality and year, loaded by "
              "`straatkubus load`.", ("household_income",)),
    DbtSource("insurer", "Care consumption aggregated by the health insurer (CZ) per postcode, "
              "one delivery per year for all Parkstad municipalities, loaded by `straatkubus "
              "load`. No person-level data.", ("care_consumption",)),
    DbtSource("police", "Registered incidents of Politie Limburg for all Parkstad "
              "municipalities, delivered per year or per month, loaded by `straatkubus load`. "
              "An incident can come in both a yearly and a monthly delivery; staging keeps the "
              "latest.", ("police_incidents",), delivered_per="month"),
    DbtSource("public_space", "Public-space reports (meldingen openbare ruimte) from the "
              "municipalities' report systems, delivered per year or per month, loaded by "
              "`straatkubus load`. A report can come in both a yearly and a monthly delivery; "
              "staging keeps the latest.", ("public_space_reports",), delivered_per="month"),
    DbtSource("social_domain", "Social-domain registrations of the municipalities "
              "(Participatiewet, debt help, WMO, Jeugdwet, informal care), one delivery per "
              "municipality, register and year, loaded by `straatkubus load`. Every row is "
              "about one person, identified by the keyed HMAC pseudonym of the BSN.",
              ("social_assistance", "debt_help", "wmo_provisions", "youth_care",
               "informal_carers")),
    DbtSource("woz", "WOZ (Wet waardering onroerende zaken) value deliveries of the "
              "municipalities, one per municipality and tax year, loaded by `straatkubus load`.",
              ("woz_values",)),
)


def _key(name: str, description: str, unique: bool = False, pii: bool = False) -> SourceColumn:
    return SourceColumn(name, f"{description} (key column)",
                        ("unique", "not_null") if unique else ("not_null",), pii)


_LOADED_AT = SourceColumn("loaded_at", "When the reference data was loaded")
_MUNICIPALITY_KEY = "CBS municipality code, or a synthetic tile code GM9xxx"
# Raw tables not made from a contract: the reference tables (straatkubus.ingest.reference)
# and the delivery manifest (straatkubus.ingest.load). Their keys hold in the whole table.
OTHER_TABLES = {table.name: table for table in (
    SourceTable("cbs_pc4_areas", "The Parkstad PC4 areas (and any tile copies) with their "
                "dominant municipality and boundary as WGS84 GeoJSON. Key: the PC4", (
                    _key("pc4", "4-digit postcode", unique=True),
                    SourceColumn("municipality_code", "Dominant municipality of the PC4 (CBS)"),
                    SourceColumn("geojson", "PC4 boundary as WGS84 GeoJSON geometry"),
                    _LOADED_AT)),
    SourceTable("cbs_wijken", "The 49 Parkstad wijken of the CBS/PDOK Wijk- en buurtkaart 2024 "
                "(and any tile copies, coded WK + the tile municipality's digits + the wijk's "
                "last two digits) with their simplified boundary as WGS84 GeoJSON. Key: the "
                "wijk code", (
                    _key("wijk_code", "CBS wijk code, WK + 4-digit municipality + 2 digits",
                         unique=True),
                    SourceColumn("wijk_name", "Wijk name as published by CBS (e.g. Wijk 00 "
                                 "Schaesberg)"),
                    SourceColumn("municipality_code", "Municipality the wijk belongs to"),
                    SourceColumn("geojson", "Wijk boundary as WGS84 GeoJSON geometry"),
                    _LOADED_AT)),
    SourceTable("cbs_municipality_areas", "The boundaries of the seven Parkstad municipalities "
                "(CBS Gebiedsindelingen 2022, generalised; and any tile copies) as WGS84 "
                "GeoJSON. Key: the municipality code", (
                    _key("municipality_code", _MUNICIPALITY_KEY, unique=True),
                    SourceColumn("geojson", "Municipality boundary as WGS84 GeoJSON geometry"),
                    _LOADED_AT)),
    SourceTable("cbs_municipality_figures", "CBS Kerncijfers wijken en buurten per "
                "municipality and year as published (empty where CBS did not publish), the "
                "calibration reference of the synthetic data. Key: municipality and year", (
                    _key("municipality_code", _MUNICIPALITY_KEY),
                    SourceColumn("municipality_name", "Municipality name (tiles carry the name "
                                 "of the copy)"),
                    SourceColumn("copies_municipality_code", "The real Parkstad municipality a "
                                 "tile copies (itself for Parkstad)"),
                    _key("year", "KWB year the figures refer to"),
                    SourceColumn("inhabitants", "Inhabitants on 1 January"),
                    SourceColumn("households", "Private households on 1 January"),
                    SourceColumn("pct_one_person_households",
                                 "One-person households as % of households"),
                    SourceColumn("pct_65plus", "Inhabitants aged 65 or over as % of inhabitants"),
                    SourceColumn("avg_woz_eur", "Average WOZ value of dwellings in euro"),
                    SourceColumn("pct_corporation_dwellings", "Dwellings owned by a housing "
                                 "corporation as % of dwellings"),
                    SourceColumn("pct_youth_care", "Young people (< 23) with youth care in the "
                                 "year as % of < 23"),
                    SourceColumn("wmo_clients_per_1000", "WMO clients (at least one "
                                 "maatwerkarrangement) per 1000 inhabitants"),
                    _LOADED_AT)),
    SourceTable("deliveries", "Every delivery file the loader has seen. Key: the delivery", (
        _key("delivery_id", "Key of the delivery", unique=True),
        SourceColumn("source", "Source (delivery contract) of the file"),
        SourceColumn("sender", "Municipality code or partner code of the sender"),
        SourceColumn("period", "Period of the delivery, a year (2024) or a month (2024-03)"),
        SourceColumn("is_current", "Whether this is the current version of its source, sender "
                     "and period"),
        SourceColumn("loaded_at", "When the delivery was recorded"))),
)}


def _delivery_columns(contract: Contract) -> tuple[SourceColumn, ...]:
    """The columns the loader adds to every row (straatkubus.ingest.load.DELIVERY_COLUMNS)."""
    if contract.sender == "municipality":
        sender = "Municipality code of the sender"
    else:
        codes = [p.code for p in PARTNERS.values() if contract.source in p.sources]
        sender = f"Partner code of the sender ({', '.join(codes)})"
    period = ("a year (2024) or a month (2024-03)" if contract.monthly else "a year (2024)")
    return (SourceColumn("delivery_id", "Delivery the row came in (raw.deliveries)"),
            SourceColumn("delivery_sender", sender),
            SourceColumn("delivery_period", f"Period of the delivery, {period}"),
            SourceColumn("delivery_loaded_at", "When the delivery was loaded"))


def contract_table(contract: Contract) -> SourceTable:
    """A raw table as the loader makes it from its contract. Its key holds within a delivery
    (a source, sender and period), so its columns are tested not null, not unique."""
    stored_key = [f"{name}_pseudonym" if name in contract.pseudonymise else name
                  for name in contract.key]
    columns = []
    for column in contract.stored_columns():
        description = column.description[0].upper() + column.description[1:]
        if column.values:
            description += f" ({', '.join(column.values)})"
        columns.append(_key(column.name, description, pii=column.pii)
                       if column.name in stored_key else
                       SourceColumn(column.name, description, pii=column.pii))
    return SourceTable(contract.table,
                       f"{contract.description}. Key: {', '.join(stored_key)} within a delivery",
                       (*_delivery_columns(contract), *columns))


def _scalar(text: str) -> str:
    """`text` as a YAML scalar: plain where YAML reads it back unchanged, else quoted."""
    try:
        plain = yaml.safe_load(text) == text and not text.startswith(("'", '"', ">", "|"))
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def _described(indent: int, text: str, key: str = "description") -> list[str]:
    pad = " " * indent
    line = f"{pad}{key}: {_scalar(text)}"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [f"{pad}{key}: >", *textwrap.wrap(text, LINE_LENGTH, initial_indent=pad + "  ",
                                             subsequent_indent=pad + "  ")]


def render(source: DbtSource) -> str:
    """One `_<source>__sources.yml`."""
    warn, error = FRESHNESS_DAYS[source.delivered_per]
    lines = ["# Generated from straatkubus/ingest/dbt_sources.py (and the delivery contracts)",
             "# by `straatkubus contracts --write`: edit those, not this file.",
             "version: 2", "", "sources:", f"  - name: {source.name}",
             *_described(4, source.description), "    schema: raw",
             f"    loaded_at_field: {source.loaded_at_field}", "    freshness:",
             f"      warn_after: {{count: {warn}, period: day}}",
             f"      error_after: {{count: {error}, period: day}}", "    tables:"]
    for number, name in enumerate(source.tables):
        table = contract_table(CONTRACTS[name]) if name in CONTRACTS else OTHER_TABLES[name]
        lines += [""] if number else []
        lines += [f"      - name: {table.name}", *_described(8, f"{table.description}."),
                  "        columns:"]
        for column in table.columns:
            lines += [f"          - name: {column.name}",
                      *_described(12, f"{column.description}.")]
            if column.pii:
                lines += ["            meta: {pii: true}", "            tags: [pii]"]
            if column.tests:
                lines.append(f"            data_tests: [{', '.join(column.tests)}]")
    return "\n".join(lines) + "\n"


def rendered() -> dict[Path, str]:
    """Every sources file: its path and its text."""
    tables = [name for source in SOURCES for name in source.tables]
    if sorted(tables) != sorted([*CONTRACTS, *OTHER_TABLES]):
        raise ValueError("every raw table belongs to exactly one dbt source")
    return {source.path: render(source) for source in SOURCES}
