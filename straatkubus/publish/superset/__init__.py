"""Run Apache Superset for the demo and deploy the dashboards, roles and row-level security.

Superset lives in its own virtualenv (`.venv-superset`, its pins clash with dbt's), so it runs
as subprocesses (`process`); everything else talks to it over its REST API as an admin
(`client`):

- `assets`: `superset/assets/` is an unzipped Superset export, rendered for this installation
  (the reader's database URI from Settings, chart ids, pinned filter defaults) and imported
  through `POST /api/v1/assets/import/`, which overwrites database, datasets, charts and
  dashboards by UUID;
- `security`: `superset/roles.yaml`, `superset/rls.yaml` and `superset/demo_users.yaml` applied
  by name, and one warehouse login per scope of Superset's users;
- `export`: a running Superset written back in the committed layout.
"""

from __future__ import annotations

from pathlib import Path

from straatkubus.publish.superset.assets import ASSETS_DIR, dashboard_urls, import_assets, render_assets
from straatkubus.publish.superset.client import ADMIN_USER, Client, SupersetError, admin_client
from straatkubus.publish.superset.export import export
from straatkubus.publish.superset.process import (
    KNOWN_DEFAULT_SECRETS,
    SUPERSET_DIR,
    clear_result_cache,
    is_healthy,
    refuse_weak_secrets,
    start,
    stop,
    superset_env,
)
from straatkubus.publish.superset.security import (
    apply_database_access,
    apply_rls,
    apply_roles,
    apply_users,
    flatten_permissions,
)
from straatkubus.settings import Settings

__all__ = [
    "ADMIN_USER", "ASSETS_DIR", "KNOWN_DEFAULT_SECRETS", "SUPERSET_DIR", "Client", "SupersetError",
    "admin_client", "apply_database_access", "apply_rls", "apply_roles", "apply_users",
    "clear_result_cache", "dashboard_urls", "deploy", "export", "flatten_permissions",
    "import_assets", "is_healthy", "refuse_weak_secrets", "render_assets", "start", "stop",
    "superset_env",
]  # fmt: skip


def deploy(settings: Settings, source: Path = SUPERSET_DIR) -> None:
    """Import the assets and apply roles and row-level security (idempotent); then the demo
    users of superset/demo_users.yaml unless `settings.demo_users` is off."""
    refuse_weak_secrets(settings)
    if not is_healthy(settings):
        raise SupersetError(f"Superset does not run at {settings.superset_url}; start it first")
    client = admin_client(settings)
    import_assets(settings, client, source)
    roles = apply_roles(client, source)
    apply_rls(client, roles, source)
    if settings.demo_users:
        apply_users(client, roles)
    apply_database_access(settings, client, source)
    for title, url in dashboard_urls(settings, source).items():
        print(f"Superset: dashboard {title}: {url}")
