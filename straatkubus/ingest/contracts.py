"""Delivery contracts: one per source, the single definition of what a delivery holds.

The generator writes these columns, the loader checks every row against them (and creates
the raw tables from them), the Great Expectations suites are derived from them, and
`docs/deliveries.md` documents them. A delivery is a CSV file named
`<source>__<sender>__<period>.csv`: the sender is a CBS municipality code (GM0917) or a
declared partner (politie), the period a year (2024) or, for event sources, a month (2024-03).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from straatkubus.settings import MUNICIPALITIES

# Column roles: checks beyond type, bounds and value set (see straatkubus.ingest.load).
BSN = "bsn"  # a burgerservicenummer: must pass the elfproef, replaced by a keyed HMAC at intake
POSTCODE = "postcode"  # normalised (" 6411 ab" -> "6411AB"), must be a Parkstad postcode
MUNICIPALITY = "municipality"  # must be the sender, or a municipality the partner declared
PAST_DATE = "past_date"  # on or before the period's reference date (its first day)
EVENT_DATE = "event_date"  # within the period
START_DATE = "start_date"  # not after the period's end
END_DATE = "end_date"  # empty while running; not before the start nor before the period


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str
    description: str
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    values: tuple[str, ...] = ()
    pattern: str = ""
    role: str = ""

    @property
    def is_number(self) -> bool:
        return self.pg_type in ("integer", "bigint", "double precision") or \
            self.pg_type.startswith("numeric")


@dataclass(frozen=True)
class Contract:
    source: str
    description: str
    sender: str  # "municipality" (its own records only) or "partner" (declared municipalities)
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    monthly: bool = False  # event sources may also be delivered per month
    municipality_column: str = "municipality_code"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def table(self) -> str:
        return self.source

    @property
    def pseudonymise(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.role == BSN)

    def stored_columns(self) -> list[Column]:
        """Columns as stored in raw: identifiers replaced by their pseudonym."""
        return [
            Column(f"{c.name}_pseudonym", "text", f"keyed HMAC-SHA256 of {c.name}")
            if c.role == BSN else c
            for c in self.columns
        ]


@dataclass(frozen=True)
class Partner:
    code: str
    name: str
    sources: tuple[str, ...]
    municipalities: tuple[str, ...]


ALL_PARKSTAD = tuple(sorted(MUNICIPALITIES))

# Partners deliver for several municipalities; each is declared with what it may send.
PARTNERS: dict[str, Partner] = {
    p.code: p for p in (
        Partner("weller", "Weller wonen", ("corporation_tenancies",),
                ("GM0882", "GM0899", "GM0917")),
        Partner("heemwonen", "HEEMwonen", ("corporation_tenancies",),
                ("GM0882", "GM0917", "GM0928", "GM0965")),
        Partner("wonenlimburg", "Wonen Limburg", ("corporation_tenancies",),
                ("GM0899", "GM0986", "GM1954")),
        Partner("cz", "CZ zorgverzekeraar", ("care_consumption",), ALL_PARKSTAD),
        Partner("politie", "Politie Limburg", ("police_incidents",), ALL_PARKSTAD),
        Partner("rudzl", "RUD Zuid-Limburg", ("environmental_incidents",), ALL_PARKSTAD),
    )
}


def _bsn(description: str) -> Column:
    return Column("bsn", "text", description, role=BSN)


def _municipality() -> Column:
    return Column("municipality_code", "text", "CBS municipality code, e.g. GM0917",
                  pattern=r"^GM[0-9]{4}$", role=MUNICIPALITY)


def _postcode(description: str = "6-character postcode, e.g. 6411AB") -> Column:
    return Column("postcode", "text", description, role=POSTCODE)


def _start() -> Column:
    return Column("start_date", "date", "first day of the trajectory", role=START_DATE)


def _end() -> Column:
    return Column("end_date", "date", "last day of the trajectory; empty while it runs",
                  nullable=True, role=END_DATE)


ADDRESS_ID = dict(pg_type="text", pattern=r"^[0-9]{16}$")

CONTRACTS: dict[str, Contract] = {
    c.source: c for c in (
        # --- municipal registers -----------------------------------------------------------
        Contract(
            source="brp_persons",
            description="BRP: every registered inhabitant on 1 January of the period, with "
                        "the address and household they live in",
            sender="municipality",
            columns=(
                _bsn("burgerservicenummer (replaced by a keyed HMAC at intake)"),
                Column("birth_date", "date", "date of birth", role=PAST_DATE),
                Column("address_id", description="BAG nummeraanduiding id of the address "
                       "lived at", **ADDRESS_ID),
                Column("household_id", "text", "household key of the municipality"),
                _municipality(),
            ),
            key=("bsn",),
        ),
        Contract(
            source="bag_addresses",
            description="BAG: addresses (verblijfsobjecten) on 1 January of the period, with "
                        "use, floor area, building year and location in RD New or WGS84",
            sender="municipality",
            columns=(
                Column("address_id", description="BAG nummeraanduiding id (16 digits)",
                       **ADDRESS_ID),
                _postcode(),
                Column("house_number", "integer", "house number", minimum=1, maximum=99999),
                _municipality(),
                Column("use", "text", "gebruiksdoel",
                       values=("woonfunctie", "winkelfunctie", "kantoorfunctie",
                               "bijeenkomstfunctie", "industriefunctie")),
                Column("floor_area", "integer", "usable floor area in m²", minimum=1,
                       maximum=100000),
                Column("building_year", "integer", "year of construction", minimum=1000,
                       maximum=2100),
                Column("x", "double precision", "easting (RD New, m) or longitude (WGS84)"),
                Column("y", "double precision", "northing (RD New, m) or latitude (WGS84)"),
                Column("crs", "text", "coordinate reference system of x and y",
                       values=("EPSG:28992", "EPSG:4326")),
            ),
            key=("address_id",),
        ),
        Contract(
            source="woz_values",
            description="WOZ value of every dwelling for the period's tax year",
            sender="municipality",
            columns=(
                Column("address_id", description="BAG nummeraanduiding id of the dwelling",
                       **ADDRESS_ID),
                _municipality(),
                Column("valuation_date", "date", "waardepeildatum (1 January of the year "
                       "before)", role=PAST_DATE),
                Column("woz_value", "integer", "WOZ value in euro", minimum=1000,
                       maximum=50_000_000),
            ),
            key=("address_id",),
        ),
        Contract(
            source="household_income",
            description="Standardised household income as a percentage of the social "
                        "minimum, per household (its reference person) for the period",
            sender="municipality",
            columns=(
                _bsn("BSN of the household's reference person"),
                _municipality(),
                Column("income_pct_social_minimum", "numeric(7,1)",
                       "household income as % of the social minimum", minimum=0,
                       maximum=10000),
            ),
            key=("bsn",),
        ),
        Contract(
            source="social_assistance",
            description="Participatiewet benefits (bijstand) running at any time in the period",
            sender="municipality",
            columns=(
                _bsn("BSN of the beneficiary"),
                _municipality(),
                Column("benefit_type", "text", "kind of benefit",
                       values=("algemene bijstand", "ioaw", "ioaz")),
                _start(),
                _end(),
            ),
            key=("bsn", "start_date"),
        ),
        Contract(
            source="debt_help",
            description="Debt-help trajectories (schuldhulpverlening) of households running "
                        "at any time in the period",
            sender="municipality",
            columns=(
                _bsn("BSN of the applicant (the household's reference person)"),
                _municipality(),
                Column("trajectory_type", "text", "phase or kind of trajectory",
                       values=("stabilisatie", "schuldregeling", "budgetbeheer", "nazorg")),
                _start(),
                _end(),
            ),
            key=("bsn", "start_date"),
        ),
        Contract(
            source="wmo_provisions",
            description="WMO provisions (maatwerkvoorzieningen) running at any time in the "
                        "period",
            sender="municipality",
            columns=(
                _bsn("BSN of the client"),
                _municipality(),
                Column("provision_type", "text", "kind of provision",
                       values=("huishoudelijke hulp", "begeleiding", "dagbesteding",
                               "hulpmiddel", "woningaanpassing", "vervoer")),
                _start(),
                _end(),
            ),
            key=("bsn", "provision_type", "start_date"),
        ),
        Contract(
            source="youth_care",
            description="Youth care trajectories (Jeugdwet) running at any time in the period",
            sender="municipality",
            columns=(
                _bsn("BSN of the young person"),
                _municipality(),
                Column("care_type", "text", "kind of youth care",
                       values=("jeugdhulp zonder verblijf", "jeugdhulp met verblijf",
                               "jeugdbescherming", "jeugdreclassering")),
                _start(),
                _end(),
            ),
            key=("bsn", "care_type", "start_date"),
        ),
        Contract(
            source="informal_carers",
            description="Registered informal carers (mantelzorgers) in the period",
            sender="municipality",
            columns=(
                _bsn("BSN of the carer"),
                _municipality(),
                Column("registration_date", "date", "date of registration", role=START_DATE),
                Column("care_hours_per_week", "integer", "hours of care per week", minimum=0,
                       maximum=168),
            ),
            key=("bsn",),
        ),
        Contract(
            source="public_space_reports",
            description="Public-space reports (meldingen openbare ruimte) received in the "
                        "period",
            sender="municipality",
            columns=(
                Column("report_id", "text", "report number of the municipality's system",
                       pattern=r"^MOR-[0-9A-Z-]+$"),
                _municipality(),
                Column("category", "text", "kind of report",
                       values=("afval", "groen", "straat en stoep", "verlichting",
                               "overlast", "ongedierte")),
                Column("reported_date", "date", "date the report was made", role=EVENT_DATE),
                _postcode("postcode of the reported location"),
            ),
            key=("report_id",),
            monthly=True,
        ),
        # --- partners ------------------------------------------------------------------------
        Contract(
            source="corporation_tenancies",
            description="Housing corporation tenancies at the end of the period, with rent "
                        "arrears in months",
            sender="partner",
            columns=(
                Column("tenancy_id", "text", "contract number of the corporation",
                       pattern=r"^[A-Z]{2,4}-[0-9]+$"),
                _municipality(),
                _postcode("postcode of the dwelling"),
                Column("house_number", "integer", "house number", minimum=1, maximum=99999),
                Column("months_in_arrears", "integer", "rent arrears in months", minimum=0,
                       maximum=120),
                Column("eviction_date", "date", "date of an executed eviction; empty if none",
                       nullable=True, role=EVENT_DATE),
            ),
            key=("tenancy_id",),
        ),
        Contract(
            source="care_consumption",
            description="Care consumption of insured inhabitants per postcode for the period "
                        "(aggregated by the insurer)",
            sender="partner",
            columns=(
                _postcode("postcode of the insured persons"),
                _municipality(),
                Column("insured_persons", "integer", "insured persons living there",
                       minimum=0),
                Column("mental_health_clients", "integer",
                       "insured persons with a mental health care (GGZ) claim", minimum=0),
                Column("care_costs_eur", "numeric(14,2)", "total Zvw care costs in euro",
                       minimum=0),
            ),
            key=("postcode", "municipality_code"),
        ),
        Contract(
            source="police_incidents",
            description="Registered police incidents in the period",
            sender="partner",
            columns=(
                Column("incident_id", "text", "incident number", pattern=r"^PL[0-9A-Z-]+$"),
                _municipality(),
                Column("incident_type", "text", "kind of incident",
                       values=("woninginbraak", "geweld", "vernieling", "jeugdoverlast",
                               "verward gedrag", "burenruzie", "drugsoverlast")),
                Column("incident_date", "date", "date of the incident", role=EVENT_DATE),
                _postcode("postcode of the incident location"),
            ),
            key=("incident_id",),
            monthly=True,
        ),
        Contract(
            source="environmental_incidents",
            description="Environmental incidents reported to the environment agency in the "
                        "period",
            sender="partner",
            columns=(
                Column("incident_id", "text", "case number", pattern=r"^RUD[0-9A-Z-]+$"),
                _municipality(),
                Column("category", "text", "kind of incident",
                       values=("illegale dumping", "geluidsoverlast", "stankoverlast",
                               "bodemverontreiniging", "asbest")),
                Column("incident_date", "date", "date of the incident", role=EVENT_DATE),
                _postcode("postcode of the incident location"),
            ),
            key=("incident_id",),
            monthly=True,
        ),
    )
}

_FILENAME = re.compile(
    r"^(?P<source>[a-z_]+)__(?P<sender>[A-Za-z0-9_-]+)__(?P<period>\d{4}(-\d{2})?)\.csv$")


def delivery_filename(source: str, sender: str, period: str) -> str:
    return f"{source}__{sender}__{period}.csv"


@dataclass(frozen=True)
class DeliveryName:
    source: str
    sender: str
    period: str
    start: date = field(compare=False)
    end: date = field(compare=False)


def parse_delivery_name(path: Path) -> DeliveryName:
    """Source, sender and period from a delivery's file name; a clear error otherwise."""
    match = _FILENAME.match(path.name)
    if not match:
        raise ValueError(
            f"{path.name}: a delivery is named <source>__<sender>__<period>.csv, "
            "e.g. brp_persons__GM0917__2024.csv or police_incidents__politie__2024-03.csv"
        )
    source, period = match["source"], match["period"]
    if source not in CONTRACTS:
        known = ", ".join(sorted(CONTRACTS))
        raise ValueError(f"{path.name}: unknown source {source!r} (known: {known})")
    year = int(period[:4])
    if len(period) == 4:
        start, end = date(year, 1, 1), date(year, 12, 31)
    else:
        if not CONTRACTS[source].monthly:
            raise ValueError(f"{path.name}: {source} is delivered per year (period YYYY), "
                             "not per month")
        month = int(period[5:])
        if not 1 <= month <= 12:
            raise ValueError(f"{path.name}: {period} is not a month")
        start = date(year, month, 1)
        end = date(year, month, calendar.monthrange(year, month)[1])
    return DeliveryName(source, match["sender"], period, start, end)


def markdown() -> str:
    """`docs/deliveries.md`: every contract as a newcomer or a sender reads it."""
    from straatkubus.settings import DEFAULTS

    def limit(name: str):
        return DEFAULTS[name]

    lines = [
        "# Delivery contracts",
        "",
        "Generated from `straatkubus/ingest/contracts.py` by `straatkubus contracts`; a test keeps "
        "it current.",
        "",
        "Every delivery is a CSV file named `<source>__<sender>__<period>.csv`, e.g. "
        "`brp_persons__GM0917__2024.csv` or `police_incidents__politie__2024-03.csv`:",
        "",
        "- **encoding** UTF-8 (with or without BOM) or Windows-1252; **separator** comma, "
        "semicolon or tab; a header row with the column names below (any order, any case);",
        "- **numbers** with a decimal point or a decimal comma (`1234,5`, `1.234,5`); "
        "**dates** `yyyy-mm-dd` or `dd-mm-yyyy`; **postcodes** in any spacing and case "
        "(` 6411 ab` becomes `6411AB`);",
        "- **sender**: a municipality sends its own records only (its CBS code, e.g. GM0917); "
        "a partner sends for the municipalities it is declared for (below);",
        "- **period**: a year (`2024`), or for event sources also a month (`2024-03`). "
        "Registers describe 1 January of the year; trajectories are those running at any "
        "time in the period; events happened in the period.",
        "",
        "Every row is loaded or quarantined in `raw.quarantine` with its reason and original "
        "line (rows in = loaded + quarantined), unless the delivery is refused or held whole "
        "(below). Each outcome is recorded in `raw.deliveries` (`loaded`, `replaced`, "
        "`refused`, `held`) with its counts and a one-line reason; the rest of a batch loads "
        "regardless. A new file for the same source, sender and period is a correction that "
        "replaces the current delivery.",
        "",
        "## Refused deliveries",
        "",
        "A delivery is refused, and nothing of it loaded, when its name or sender is not "
        "allowed; a column is missing, unexpected or doubled; it is empty or holds only a "
        "header; its Great Expectations suite fails (an implausible whole); or it cannot be "
        "read as text: "
        f"larger than {limit('max_delivery_bytes') >> 20} MB (`STRAATKUBUS_MAX_DELIVERY_MB`), "
        f"a line longer than {limit('max_line_bytes')} bytes (`STRAATKUBUS_MAX_LINE_BYTES`), "
        f"a field longer than {limit('max_field_chars')} characters "
        "(`STRAATKUBUS_MAX_FIELD_CHARS`), a NUL byte, bytes invalid in UTF-8 when it starts "
        "with a UTF-8 BOM or invalid in both UTF-8 and Windows-1252 otherwise, UTF-16, or a "
        "file that cannot be read (e.g. removed while the batch runs). A rerun of the same "
        "refused file is recorded once.",
        "",
        "## Held deliveries: no silent shrink",
        "",
        "A delivery whose loadable row count is more than a factor "
        f"{limit('volume_factor'):g} (`STRAATKUBUS_VOLUME_FACTOR`) below or above that of the "
        "current delivery it would replace, or else of the latest earlier period of the same "
        "source and sender (years with years, months with months), is held: not loaded, and "
        "recorded as `held` with its rows in and a reason giving both counts. Counts below "
        f"{limit('volume_min_rows')} rows on both sides (`STRAATKUBUS_VOLUME_MIN_ROWS`) are "
        "never held. If the change is right, load the file again with "
        "`straatkubus load --accept-volume-change FILE`.",
        "",
        "## BSNs and the pseudonym key",
        "",
        "No BSN is ever stored, validated, logged or shown. Right after the row checks, BSN "
        "columns are replaced by their keyed HMAC-SHA256 (`STRAATKUBUS_PSEUDONYM_KEY`, at "
        "least 32 bytes), and so is every number passing the elfproef found elsewhere in a "
        "quarantined line or a reason (8 or 9 digits, also grouped with spaces or dots); a "
        "reason names the rule, never the value of a BSN field. A row holding such a number "
        "in a field that is not a BSN field is quarantined. The Great Expectations suites "
        "see the pseudonyms only. The key's fingerprint is kept per delivery in "
        "`raw.deliveries.key_fingerprint`; a load under a key other than that of the current "
        "deliveries is refused, since its pseudonyms would not match theirs.",
        "",
        "## Retention",
        "",
        "A correction removes the quarantined rows of the delivery it replaces. Quarantined "
        "rows, stored validation results and their Data Docs pages older than "
        f"{limit('retention_days')} days (`STRAATKUBUS_RETENTION_DAYS`) are removed at the end "
        "of every `straatkubus load`, or by `straatkubus prune [--days N]`; the manifest keeps "
        "the counts.",
        "",
        "## Partners",
        "",
        "| sender | partner | sources | municipalities |",
        "|---|---|---|---|",
        *(f"| `{p.code}` | {p.name} | {', '.join(p.sources)} | {', '.join(p.municipalities)} |"
          for p in PARTNERS.values()),
    ]
    role_rules = {
        BSN: "valid BSN (elfproef); pseudonymised",
        POSTCODE: "Dutch postcode in scope",
        MUNICIPALITY: "the sender, or a municipality the partner is declared for",
        PAST_DATE: "on or before 1 January of the period",
        EVENT_DATE: "within the period",
        START_DATE: "not after the period",
        END_DATE: "not before the start nor before the period",
    }
    for contract in CONTRACTS.values():
        periods = "year or month" if contract.monthly else "year"
        lines += ["", f"## `{contract.source}`", "", f"{contract.description}.", "",
                  f"Sender: {contract.sender}; period: {periods}; key: "
                  f"{', '.join(contract.key)}.", "",
                  "| column | type | required | rule | description |", "|---|---|---|---|---|"]
        for column in contract.columns:
            rules = [role_rules.get(column.role, "")]
            if column.values:
                rules.append("one of: " + ", ".join(column.values))
            if column.pattern:
                rules.append(f"form `{column.pattern}`")
            if column.minimum is not None or column.maximum is not None:
                rules.append(f"between {column.minimum:g} and {column.maximum:g}"
                             if column.maximum is not None else f"at least {column.minimum:g}")
            lines.append(f"| `{column.name}` | {column.pg_type} | "
                         f"{'no' if column.nullable else 'yes'} | "
                         f"{'; '.join(r for r in rules if r)} | {column.description} |")
    return "\n".join(lines) + "\n"
