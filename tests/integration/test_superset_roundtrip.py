"""Export -> fresh metadata database -> re-import: the same dashboards and the same security.

The running test Superset is exported with `straatkubus superset export`; a second Superset
(its own port, home and a new, empty metadata database) is deployed from that export only;
exporting the second gives the same files. The first export also matches the security files in
git, so what the deploy applied is exactly what the repository says.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import yaml

from straatkubus.publish import superset
from straatkubus.settings import REPO, Settings
from straatkubus.warehouse import cluster

pytestmark = pytest.mark.stack

# Installation-specific numbers in an export: chart ids in a dashboard's layout and filter scopes.
VOLATILE_KEYS = {"chartId", "chartsInScope", "tabsInScope"}


def _normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items() if key not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value


def _read_export(folder: Path) -> dict[str, Any]:
    """Every exported file by kind and UUID (file names carry installation-specific ids)."""
    exported = {}
    for path in sorted(folder.rglob("*.yaml")):
        if path.name == "metadata.yaml":  # holds the export's timestamp only
            continue
        config = _normalised(yaml.safe_load(path.read_text()))
        parts = path.relative_to(folder).parts  # assets/<kind>/<name>_<id>.yaml, roles.yaml, rls.yaml
        exported[f"{parts[1]}:{config['uuid']}" if parts[0] == "assets" else parts[0]] = config
    return exported


def _rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        ({**rule, "tables": sorted(rule["tables"]), "roles": sorted(rule["roles"])} for rule in rules),
        key=lambda rule: rule["name"],
    )


def test_deploy_is_idempotent(superset_stack: Settings) -> None:
    """A second deploy creates nothing new: same roles, rules, users, charts, dashboards, and
    the same warehouse logins and policies."""
    admin_api = superset.admin_client(superset_stack)

    def inventory() -> dict[str, list[str]]:
        conn = psycopg2.connect(superset_stack.dsn())
        with conn.cursor() as cur:
            cur.execute("select login from access.reader_logins order by 1")
            logins = [login for (login,) in cur.fetchall()]
            cur.execute("select polname || ' on ' || polrelid::regclass::text from pg_policy order by 1")
            policies = [policy for (policy,) in cur.fetchall()]
        conn.close()
        return {
            "roles": sorted(r["name"] for r in admin_api.list("/api/v1/security/roles/")),
            "rls": sorted(r["name"] for r in admin_api.list("/api/v1/rowlevelsecurity/", order="name")),
            "users": sorted(u["username"] for u in admin_api.list("/api/v1/security/users/")),
            "charts": sorted(c["slice_name"] for c in admin_api.list("/api/v1/chart/", order="slice_name")),
            "dashboards": sorted(
                d["dashboard_title"] for d in admin_api.list("/api/v1/dashboard/", order="dashboard_title")
            ),
            "logins": logins,
            "policies": policies,
        }

    before = inventory()
    assert before["logins"] and before["policies"]
    superset.deploy(superset_stack)
    assert inventory() == before


@pytest.fixture(scope="module")
def fresh_superset(superset_stack: Settings):
    """A second Superset on an empty metadata database of its own (no demo users)."""
    fresh = dataclasses.replace(
        superset_stack,
        superset_port=superset_stack.superset_port + 1,
        superset_database="superset_roundtrip",
        state_dir=superset_stack.state_dir / "roundtrip",
        demo_users=False,
    )
    cluster.drop_database(fresh, fresh.superset_database)
    cluster.ensure_databases(fresh)
    superset.start(fresh)
    try:
        yield fresh
    finally:
        superset.stop(fresh)
        cluster.drop_database(fresh, fresh.superset_database)
        # its deploy made the warehouse's logins those of its own users (admin only): one
        # warehouse serves one Superset, so the session's logins are brought back
        superset.apply_database_access(superset_stack, superset.admin_client(superset_stack))


def test_export_reimport_reproduces_dashboards_and_security(
    superset_stack: Settings, fresh_superset: Settings, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    superset.export(superset_stack, first)

    # The deployed security is exactly what git says.
    wanted_rules = yaml.safe_load((REPO / "superset" / "rls.yaml").read_text())
    exported_rules = yaml.safe_load((first / "rls.yaml").read_text())
    assert _rules(exported_rules) == _rules(wanted_rules)
    exported = yaml.safe_load((first / "roles.yaml").read_text())
    exported_roles = {role["name"]: set(role["permissions"]) for role in exported}
    for role in yaml.safe_load((REPO / "superset" / "roles.yaml").read_text()):
        wanted = set(superset.flatten_permissions(role["permissions"]))
        assert exported_roles[role["name"]] == wanted, role["name"]

    # A fresh installation deployed from the export alone exports the same files.
    superset.deploy(fresh_superset, source=first)
    superset.export(fresh_superset, second)
    before, after = _read_export(first), _read_export(second)
    assert sorted(after) == sorted(before)
    for name in before:
        assert after[name] == before[name], f"{name} differs after the round trip"
    dashboards = [config for name, config in before.items() if name.startswith("dashboards:")]
    assert {config["slug"] for config in dashboards} == {"straatkubus-kaart", "regio-parkstad", "trends", "indicatoren"}

