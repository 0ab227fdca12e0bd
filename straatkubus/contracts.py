"""Delivery contracts: one per source, the single definition of a delivery's columns.

The generator writes these columns, the loader checks headers and types against them and
creates the raw tables from them, and the Great Expectations suites validate their values.
A delivery file is named `<source>__<sender>__<period>.csv`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str
    description: str


@dataclass(frozen=True)
class Contract:
    source: str
    description: str
    sender: str  # "municipality": one municipality sends its own records
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    municipality_column: str
    pseudonymise: tuple[str, ...] = ()  # BSN-like columns replaced by a keyed HMAC at intake

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def table(self) -> str:
        return self.source

    def stored_columns(self) -> list[Column]:
        """Columns as stored in raw: identifiers replaced by their pseudonym."""
        return [
            Column(f"{c.name}_pseudonym", "text", f"keyed HMAC-SHA256 of {c.name}")
            if c.name in self.pseudonymise else c
            for c in self.columns
        ]


CONTRACTS: dict[str, Contract] = {
    c.source: c for c in (
        Contract(
            source="bag_addresses",
            description="BAG addresses (verblijfsobjecten) with their postcode and location",
            sender="municipality",
            columns=(
                Column("address_id", "text", "BAG nummeraanduiding id (16 digits)"),
                Column("postcode", "text", "6-character postcode, e.g. 6411AB"),
                Column("house_number", "integer", "house number"),
                Column("municipality_code", "text", "CBS municipality code, e.g. GM0917"),
                Column("use", "text", "gebruiksdoel, e.g. woonfunctie"),
                Column("longitude", "double precision", "WGS84 longitude"),
                Column("latitude", "double precision", "WGS84 latitude"),
            ),
            key=("address_id",),
            municipality_column="municipality_code",
        ),
        Contract(
            source="brp_persons",
            description="BRP persons registered on 1 January of the period",
            sender="municipality",
            columns=(
                Column("bsn", "text", "burgerservicenummer (pseudonymised at intake)"),
                Column("birth_date", "date", "date of birth"),
                Column("address_id", "text", "BAG address where the person lives"),
                Column("household_id", "text", "household key of the municipality"),
            ),
            key=("bsn",),
            municipality_column="",  # implied by the address; the sender is the municipality
            pseudonymise=("bsn",),
        ),
    )
}

_FILENAME = re.compile(r"^(?P<source>[a-z_]+)__(?P<sender>[A-Za-z0-9_-]+)__(?P<period>\d{4}(-\d{2})?)\.csv$")


def delivery_filename(source: str, sender: str, period: str) -> str:
    return f"{source}__{sender}__{period}.csv"


@dataclass(frozen=True)
class DeliveryName:
    source: str
    sender: str
    period: str


def parse_delivery_name(path: Path) -> DeliveryName:
    """Source, sender and period from a delivery's file name; a clear error otherwise."""
    match = _FILENAME.match(path.name)
    if not match:
        raise ValueError(
            f"{path.name}: a delivery is named <source>__<sender>__<period>.csv, "
            "e.g. brp_persons__GM0917__2024.csv"
        )
    if match["source"] not in CONTRACTS:
        known = ", ".join(sorted(CONTRACTS))
        raise ValueError(f"{path.name}: unknown source {match['source']!r} (known: {known})")
    return DeliveryName(match["source"], match["sender"], match["period"])
