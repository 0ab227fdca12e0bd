"""The README's access model as the tests' oracle: what each role may ever receive.

Written from the security design (role name -> municipality code / sensitivity tiers), never
read from superset/rls.yaml or straatkubus/warehouse/access.py: the tests must not depend on
what they check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from straatkubus.settings import REPO

MUNICIPALITY_ROLES = {
    "Gemeente Beekdaelen": "GM1954",
    "Gemeente Brunssum": "GM0899",
    "Gemeente Heerlen": "GM0917",
    "Gemeente Kerkrade": "GM0928",
    "Gemeente Landgraaf": "GM0882",
    "Gemeente Simpelveld": "GM0965",
    "Gemeente Voerendaal": "GM0986",
}
ALL_TIERS = frozenset({"openbaar", "intern", "vertrouwelijk"})
NOT_CONFIDENTIAL = frozenset({"openbaar", "intern"})
FUNCTION_TIERS = {
    "Beleidsmedewerker": ALL_TIERS,
    "Gebiedsmanager": ALL_TIERS,
    "Wijkteam": NOT_CONFIDENTIAL,
    "Regio-analist": NOT_CONFIDENTIAL,
}
EXPORT_ROLES = frozenset({"Beleidsmedewerker", "Regio-analist"})
REGIO_ANALIST = "Regio-analist"
REGIO_ANALIST_LEVELS = frozenset({"wijk", "gemeente", "regio"})
# Every municipal role compares across borders: openbaar figures of all municipalities here.
ACROSS_BORDERS_LEVELS = frozenset({"wijk", "gemeente", "regio"})
ADMIN = "Admin"

SIGNALS, BORDER, CATALOGUE = "fct_area_signals", "fct_border_zone_pc6", "dim_indicators"
RLS_COLUMNS = {
    SIGNALS: ("municipality_code", "area_level", "sensitivity_tier"),
    BORDER: ("viewer_municipality_code", "sensitivity_tier"),
}
DASHBOARDS = ("straatkubus-kaart", "regio-parkstad", "trends", "indicatoren")

# The demo users the design asks for, with their roles.
SPEC_USERS = {
    **{role.removeprefix("Gemeente ").lower(): {"Beleidsmedewerker", role} for role in MUNICIPALITY_ROLES},
    "heerlen-gebiedsmanager": {"Gebiedsmanager", "Gemeente Heerlen"},
    "heerlen-wijkteam": {"Wijkteam", "Gemeente Heerlen"},
    "kerkrade-wijkteam": {"Wijkteam", "Gemeente Kerkrade"},
    "brunssum-landgraaf": {"Beleidsmedewerker", "Gemeente Brunssum", "Gemeente Landgraaf"},
    "regio-analist": {"Regio-analist"},
}


@dataclass(frozen=True)
class Access:
    """What a user with these roles may receive."""

    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def municipalities(self) -> frozenset[str]:
        return frozenset(MUNICIPALITY_ROLES[role] for role in self.roles if role in MUNICIPALITY_ROLES)

    @property
    def tiers(self) -> frozenset[str]:
        return frozenset().union(*(FUNCTION_TIERS.get(role, frozenset()) for role in self.roles))

    @property
    def has_function(self) -> bool:
        return self.is_admin or bool(self.roles & FUNCTION_TIERS.keys())

    @property
    def can_export(self) -> bool:
        return self.is_admin or bool(self.roles & EXPORT_ROLES)

    def allows(self, table: str, row: dict[str, Any]) -> bool:
        """May this user see this row of this dataset?"""
        if self.is_admin:
            return True
        if table == CATALOGUE:
            return self.has_function  # the catalogue is metadata: all of it for every viewer
        if table not in RLS_COLUMNS:
            return False  # a dataset the design does not publish
        tier = row["sensitivity_tier"]
        if tier not in self.tiers:
            return False
        if table == BORDER:
            return row["viewer_municipality_code"] in self.municipalities
        level, code = row["area_level"], row["municipality_code"] or None
        if self.municipalities and (code in self.municipalities or level == "regio"):
            return True
        if self.municipalities and level in ACROSS_BORDERS_LEVELS and tier == "openbaar":
            return True  # openbaar figures of every municipality, as CBS publishes them
        return REGIO_ANALIST in self.roles and level in REGIO_ANALIST_LEVELS and tier in NOT_CONFIDENTIAL

    def outside(self, table: str) -> list[list[dict[str, Any]]]:
        """Filter sets that each select only rows this user may not see (a leak shows at once)."""
        if self.is_admin or (table == CATALOGUE and self.has_function):
            return []
        if table == CATALOGUE or not self.tiers:
            return [[]]
        if table == BORDER:
            codes = sorted(self.municipalities)
            return [[{"col": "viewer_municipality_code", "op": "NOT IN", "val": codes}]] if codes else [[]]
        probes = []
        if self.tiers != ALL_TIERS:
            probes.append([{"col": "sensitivity_tier", "op": "NOT IN", "val": sorted(self.tiers)}])
        if self.municipalities:  # NOT IN also drops regio rows (null municipality), which they may see
            others = {"col": "municipality_code", "op": "NOT IN", "val": sorted(self.municipalities)}
            probes.append([others, {"col": "sensitivity_tier", "op": "NOT IN", "val": ["openbaar"]}])
            probes.append([others, {"col": "area_level", "op": "NOT IN", "val": sorted(ACROSS_BORDERS_LEVELS)}])
        elif REGIO_ANALIST in self.roles:
            probes.append([{"col": "area_level", "op": "NOT IN", "val": sorted(REGIO_ANALIST_LEVELS)}])
        else:
            probes.append([])
        return probes


def forbidden(access: Access, table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows `access` does not allow; every row must carry the dataset's RLS columns."""
    for row in rows:
        missing = [column for column in RLS_COLUMNS.get(table, ()) if column not in row]
        assert not missing, f"a {table} row without {missing} cannot be checked: {row}"
    return [row for row in rows if not access.allows(table, row)]


# --- users -------------------------------------------------------------------------------------
DEMO_USERS = {
    user["username"]: user for user in yaml.safe_load((REPO / "superset" / "demo_users.yaml").read_text())["users"]
}
AD_HOC_USERS = {
    "test-zonder-gemeente": {"password": "zonder-gemeente-test", "roles": ["Beleidsmedewerker"]},
    "test-zonder-functie": {"password": "zonder-functie-test", "roles": ["Gemeente Heerlen"]},
}
USERS = {**DEMO_USERS, **AD_HOC_USERS}
ACCESS = {name: Access(frozenset(user["roles"])) for name, user in USERS.items()}
VIEWERS = sorted(name for name, access in ACCESS.items() if not access.is_admin)
CONTROL = "admin"  # Superset's own admin account (Admin role), the control that sees everything


def other_beleidsmedewerker(access: Access) -> str:
    """A demo beleidsmedewerker of a municipality this user does not hold."""
    return next(
        name
        for name in sorted(DEMO_USERS)
        if "Beleidsmedewerker" in ACCESS[name].roles
        and not ACCESS[name].is_admin
        and ACCESS[name].municipalities
        and not ACCESS[name].municipalities & access.municipalities
    )
