"""Security as code: the roles, row-level security and demo users of `superset/`, applied by
name (roles get exactly their permissions, RLS rules not in the file are deleted, nothing is
ever duplicated), and one warehouse login per scope of Superset's users."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import yaml

from straatkubus.publish.superset.client import Client, SupersetError, password_works
from straatkubus.publish.superset.process import SUPERSET_DIR
from straatkubus.settings import Settings
from straatkubus.warehouse import access


def _load_yaml(source: Path, name: str) -> Any:
    return yaml.safe_load((source / name).read_text()) or []


def _dataset(client: Client, schema_table: str) -> dict[str, Any]:
    schema, table = schema_table.split(".", 1)
    rows = [
        row
        for row in client.list("/api/v1/dataset/", [("table_name", "eq", table)], order="table_name")
        if row.get("schema") == schema
    ]
    if len(rows) != 1:
        raise SupersetError(f"expected one dataset {schema_table}, found {len(rows)}")
    return rows[0]


def _permission_ids(client: Client) -> dict[str, int]:
    """Every permission on every resource, keyed as 'can read on Chart'."""
    return {
        f"{row['permission']['name'].replace('_', ' ')} on {row['view_menu']['name']}": row["id"]
        for row in client.list("/api/v1/security/permissions-resources/")
    }


def _resolve_permission(client: Client, name: str, cache: dict[str, dict[str, Any]]) -> str:
    """'datasource access on schema.table' -> the dataset's own permission name."""
    prefix = "datasource access on "
    target = name[len(prefix) :] if name.startswith(prefix) else ""
    if not target or target.startswith("["):
        return name
    if target not in cache:
        cache[target] = _dataset(client, target)
    dataset = cache[target]
    return f"{prefix}[{dataset['database']['database_name']}].[{dataset['table_name']}](id:{dataset['id']})"


def flatten_permissions(items: list[Any]) -> Iterator[str]:
    """Permission names; a nested list (a YAML alias of another role's list) is spliced in."""
    for item in items:
        if isinstance(item, list):
            yield from flatten_permissions(item)
        else:
            yield item


def _roles(client: Client) -> dict[str, int]:
    return {row["name"]: row["id"] for row in client.list("/api/v1/security/roles/")}


def apply_roles(client: Client, source: Path = SUPERSET_DIR) -> dict[str, int]:
    """Create the roles of roles.yaml and set exactly their permissions; returns name -> id."""
    wanted = _load_yaml(source, "roles.yaml")
    roles = _roles(client)
    permissions = _permission_ids(client)
    datasets: dict[str, dict[str, Any]] = {}
    for role in wanted:
        name = role["name"]
        if name not in roles:
            roles[name] = client.request("POST", "/api/v1/security/roles/", json={"name": name})["id"]
            print(f"Superset: created role '{name}'")
        ids = set()
        for permission in flatten_permissions(role.get("permissions") or []):
            resolved = _resolve_permission(client, permission, datasets)
            if resolved not in permissions:
                raise SupersetError(f"role {name!r}: unknown permission {resolved!r}")
            ids.add(permissions[resolved])
        current = {
            row["id"] for row in client.request("GET", f"/api/v1/security/roles/{roles[name]}/permissions/")["result"]
        }
        if current != ids:
            # This endpoint replaces the role's permissions with exactly this list.
            client.request(
                "POST",
                f"/api/v1/security/roles/{roles[name]}/permissions",
                json={"permission_view_menu_ids": sorted(ids)},
            )
            print(f"Superset: set {len(ids)} permissions on role '{name}'")
    return roles


def apply_rls(client: Client, roles: dict[str, int], source: Path = SUPERSET_DIR) -> None:
    """Make the row-level security rules exactly those of rls.yaml (matched by name)."""
    existing = {row["name"]: row for row in client.list("/api/v1/rowlevelsecurity/", order="name")}
    datasets: dict[str, int] = {}
    rules = _load_yaml(source, "rls.yaml")
    for name in existing.keys() - {rule["name"] for rule in rules}:
        client.request("DELETE", f"/api/v1/rowlevelsecurity/{existing[name]['id']}")
        print(f"Superset: deleted RLS rule '{name}' (not in rls.yaml)")
    for rule in rules:
        for table in rule["tables"]:
            if table not in datasets:
                datasets[table] = _dataset(client, table)["id"]
        body = {
            "name": rule["name"],
            "description": rule.get("description") or "",
            "filter_type": rule["filter_type"],
            "tables": sorted(datasets[table] for table in rule["tables"]),
            "roles": sorted(roles[role] for role in rule["roles"]),
            "group_key": rule.get("group_key") or "",
            "clause": str(rule["clause"]),
        }
        current = existing.get(rule["name"])
        if current is None:
            client.request("POST", "/api/v1/rowlevelsecurity/", json=body)
            print(f"Superset: created RLS rule '{rule['name']}'")
            continue
        now = {
            "name": current["name"],
            "description": current.get("description") or "",
            "filter_type": current["filter_type"],
            "tables": sorted(table["id"] for table in current["tables"]),
            "roles": sorted(role["id"] for role in current["roles"]),
            "group_key": current.get("group_key") or "",
            "clause": current["clause"],
        }
        if now != body:
            client.request("PUT", f"/api/v1/rowlevelsecurity/{current['id']}", json=body)
            print(f"Superset: updated RLS rule '{rule['name']}'")


def apply_users(client: Client, roles: dict[str, int]) -> None:
    """Create or update the demo users of demo_users.yaml, matched by username."""
    for user in _load_yaml(SUPERSET_DIR, "demo_users.yaml")["users"]:
        body = {
            "username": user["username"],
            "first_name": user["first_name"],
            "last_name": user["last_name"],
            "email": user["email"],
            "active": True,
            "roles": sorted(roles[role] for role in user["roles"]),
        }
        found = list(client.list("/api/v1/security/users/", [("username", "eq", user["username"])]))
        if not found:
            client.request("POST", "/api/v1/security/users/", json={**body, "password": user["password"]})
            print(f"Superset: created user '{user['username']}'")
            continue
        current = found[0]
        now = {
            "username": current["username"],
            "first_name": current["first_name"],
            "last_name": current["last_name"],
            "email": current["email"],
            "active": current["active"],
            "roles": sorted(role["id"] for role in current["roles"]),
        }
        changes = {key: value for key, value in body.items() if now[key] != value}
        if not password_works(client.base_url, user["username"], user["password"]):
            changes["password"] = user["password"]
        if changes:
            client.request("PUT", f"/api/v1/security/users/{current['id']}", json=changes)
            print(f"Superset: updated user '{user['username']}' ({', '.join(sorted(changes))})")


def apply_database_access(settings: Settings, client: Client, source: Path = SUPERSET_DIR) -> None:
    """One warehouse login per scope of Superset's users, and the policies of rls.yaml on the
    published marts (straatkubus.warehouse.access), in one transaction. A user added later in
    Superset's UI reads nothing until the next deploy creates the login of their scope."""
    users = [[role["name"] for role in user["roles"]] for user in client.list("/api/v1/security/users/")]
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            logins = access.sync_logins(cur, settings.pg_database, settings.reader_password, users,
                                        settings.reader_statement_timeout, source)
            access.apply_policies(cur, "marts", settings.reader_user, source)
    finally:
        conn.close()
    print(f"Superset: {len(logins)} warehouse logins, one per scope of {len(users)} users")
