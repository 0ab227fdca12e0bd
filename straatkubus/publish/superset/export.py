"""Write a running Superset back as code: its assets, roles and row-level security, in the layout
and form of `superset/`, so that an export after an edit in the UI can simply be committed."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import yaml

from straatkubus.publish.superset.assets import as_code
from straatkubus.publish.superset.client import Client, SupersetError, admin_client
from straatkubus.publish.superset.security import flatten_permissions
from straatkubus.settings import Settings

BUILTIN_ROLES = {"Admin", "Alpha", "Gamma", "Public", "sql_lab"}
DATASET_PERMISSION = re.compile(r"^datasource access on \[[^\]]+\]\.\[([^\]]+)\]\(id:(\d+)\)$")


def export(settings: Settings, target: Path) -> None:
    """Write the running Superset's assets, roles and row-level security to `target`, in the
    layout `deploy(settings, source=target)` reads (demo users are not exported).

    `target/assets/` is replaced by the export, each file as `assets.as_code` writes it: what
    is committed in `superset/assets/` after a deploy, byte for byte. Dataset permissions and
    RLS tables are written as schema.table. A `roles.yaml` or `rls.yaml` already in `target`
    that means what Superset applies is left as it is (with its comments and YAML aliases).
    """
    client = admin_client(settings)
    response = client.session.get(f"{client.base_url}/api/v1/assets/export/", timeout=120)
    if response.status_code != 200:
        raise SupersetError(f"asset export failed ({response.status_code}): {response.text[:300]}")
    files: dict[str, str] = {}
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        for name in archive.namelist():
            path, text = as_code(name.split("/", 1)[1], archive.read(name).decode())
            if path in files:
                raise SupersetError(f"two assets would be written to {path}: give them different names")
            files[path] = text
    shutil.rmtree(target / "assets", ignore_errors=True)
    for path, text in files.items():
        (target / "assets" / path).parent.mkdir(parents=True, exist_ok=True)
        (target / "assets" / path).write_text(text)

    roles, rules = _roles(client), _rules(client)
    _write_unless_same(target / "roles.yaml", roles, _roles_meaning)
    _write_unless_same(target / "rls.yaml", rules, _rules_meaning)
    print(f"Superset: exported {len(files)} asset files, {len(roles)} roles and {len(rules)} RLS rules to {target}")


def _roles(client: Client) -> list[dict[str, Any]]:
    datasets = {
        str(row["id"]): f"{row['schema']}.{row['table_name']}"
        for row in client.list("/api/v1/dataset/", order="table_name")
    }
    roles = []
    for role in client.list("/api/v1/security/roles/", order="name"):
        if role["name"] in BUILTIN_ROLES:
            continue
        granted = client.request("GET", f"/api/v1/security/roles/{role['id']}/permissions/")["result"]
        names = []
        for row in granted:
            name = f"{row['permission_name'].replace('_', ' ')} on {row['view_menu_name']}"
            if match := DATASET_PERMISSION.match(name):
                name = f"datasource access on {datasets[match.group(2)]}"
            names.append(name)
        roles.append({"name": role["name"], "permissions": sorted(names)})
    return roles


def _rules(client: Client) -> list[dict[str, Any]]:
    return [
        {
            "name": rule["name"],
            "description": rule.get("description") or "",
            "filter_type": rule["filter_type"],
            "tables": sorted(f"{table['schema']}.{table['table_name']}" for table in rule["tables"]),
            "roles": sorted(role["name"] for role in rule["roles"]),
            "group_key": rule.get("group_key") or None,
            "clause": rule["clause"],
        }
        for rule in client.list("/api/v1/rowlevelsecurity/", order="name")
    ]


def _roles_meaning(roles: list[dict[str, Any]]) -> dict[str, set[str]]:
    return {role["name"]: set(flatten_permissions(role.get("permissions") or [])) for role in roles}


def _rules_meaning(rules: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {
        rule["name"]: (
            rule.get("description") or "", rule["filter_type"], sorted(rule["tables"]), sorted(rule["roles"]),
            rule.get("group_key") or None, str(rule["clause"]),
        )
        for rule in rules
    }  # fmt: skip


def _write_unless_same(path: Path, content: list[dict[str, Any]], meaning: Any) -> None:
    """Write `content` to `path` unless the file there already means the same."""
    if path.exists() and meaning(yaml.safe_load(path.read_text()) or []) == meaning(content):
        return
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False))
