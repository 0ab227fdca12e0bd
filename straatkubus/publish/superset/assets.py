"""Dashboards as code: `superset/assets/`, an unzipped Superset export linked by UUID.

`render_assets` fills in what an installation needs (the reader's database URI, chart ids,
pinned filter defaults) and `import_assets` imports the result through the assets import API,
which overwrites database, datasets, charts and dashboards by UUID. `as_code` is the inverse:
it turns a file of Superset's export back into the committed file, byte for byte, so an
export after an edit in the UI can simply be committed.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import jinja2
import psycopg2
import yaml
from psycopg2 import sql

from straatkubus.publish.superset.client import Client, SupersetError
from straatkubus.publish.superset.process import SUPERSET_DIR
from straatkubus.settings import Settings

ASSETS_DIR = SUPERSET_DIR / "assets"
DATABASE_FILE = "databases/straatkubus_warehouse.yaml"
BUNDLE_ROOT = "straatkubus_assets"
READER_URI = "{{ reader_uri }}"  # the database files' only template variable
PINNED = "pinnedFirstItem"  # marks a filter whose first value the deploy pinned
EMPTY_DATA_MASK = {"extraFormData": {}, "filterState": {}, "ownState": {}}
EXPORT_ID = re.compile(r"_\d+(?=\.yaml$)")  # Superset's export names files <name>_<id>.yaml


class _AssetDumper(yaml.SafeDumper):
    """The YAML form of the committed assets: keys in Superset's order, no anchors, text with
    line breaks (a chart's query context) as a literal block."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_AssetDumper.add_representer(str, _represent_text)


def dump_asset(config: Any) -> str:
    """An asset file's text in the committed form."""
    return yaml.dump(config, Dumper=_AssetDumper, allow_unicode=True, sort_keys=False, width=100)


def render_assets(settings: Settings, source: Path = SUPERSET_DIR) -> dict[str, str]:
    """The asset YAML files ready for import: {path inside the bundle: text}.

    `{{ reader_uri }}` in the database files becomes the warehouse URI of the read-only reader
    (only those are templates: charts may hold Handlebars); dashboards get placeholder chart
    ids and their "first item" filter defaults pinned (see below).
    """
    context = {
        "reader_uri": (
            f"postgresql+psycopg2://{settings.reader_user}:{settings.reader_password}"
            f"@{settings.pg_host}:{settings.pg_port}/{settings.pg_database}"
        ),
    }
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    files = {
        path.relative_to(source / "assets").as_posix(): path.read_text()
        for path in sorted((source / "assets").rglob("*.yaml"))
    }
    for name, text in files.items():  # only the database files are templates (charts hold Handlebars)
        if name.startswith("databases/"):
            files[name] = env.from_string(text).render(context)
    if "metadata.yaml" not in files:
        raise SupersetError(f"{source / 'assets'}/metadata.yaml is missing")
    tables = {
        config["uuid"]: (config["schema"], config["table_name"])
        for name, text in files.items()
        if name.startswith("datasets/")
        for config in [yaml.safe_load(text)]
    }
    for name, text in files.items():
        if name.startswith("dashboards/"):
            config = yaml.safe_load(text)
            for number, node in enumerate(_charts(config), start=1):
                node["meta"]["chartId"] = number
            _pin_first_item_defaults(config, tables, settings)
            files[name] = dump_asset(config)
    return files


def _charts(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart nodes of a dashboard's layout, in file order.

    Superset's importer maps a dashboard's old chart ids to the new ones and needs one per
    chart; the committed files carry only UUIDs, so the deploy numbers the charts 1, 2, ... in
    this order, and the export turns the installation's ids back into these numbers.
    """
    return [node for node in config["position"].values() if isinstance(node, dict) and node.get("type") == "CHART"]


def _pin_first_item_defaults(config: dict[str, Any], tables: dict[str, tuple[str, str]], settings: Settings) -> None:
    """Turn "select first filter value by default" into an explicit default value.

    Superset 6.1 shows the first value in the filter bar but loads the charts unfiltered
    until the user clicks Apply. So the deploy looks the first value up in the warehouse
    (in the filter's sort order, e.g. the newest year) and stores it as the default, marking
    the filter so that the export can write it back as "first item".
    """
    for native in config.get("metadata", {}).get("native_filter_configuration", []):
        controls = native.get("controlValues", {})
        if native.get("filterType") != "filter_select" or not controls.get("defaultToFirstItem"):
            continue
        target = native["targets"][0]
        column = target["column"]["name"]
        schema, table = tables[target["datasetUuid"]]
        try:
            value = _first_value(settings, schema, table, column, controls.get("sortAscending", True))
        except psycopg2.Error as error:
            raise SupersetError(
                f"cannot read {schema}.{table} for the filter '{native['name']}'; build the warehouse first"
            ) from error
        native[PINNED] = True
        controls["defaultToFirstItem"] = False
        native["defaultDataMask"] = {
            "extraFormData": {"filters": [{"col": column, "op": "IN", "val": [value]}]},
            "filterState": {"value": [value], "label": str(value)},
            "ownState": {},
        }


def _first_value(settings: Settings, schema: str, table: str, column: str, ascending: bool) -> Any:
    """The first value of a column in the warehouse, in the given order. A year (`period_year`)
    is the first one whose register deliveries are complete in all of Parkstad (dbt's
    int_register_years), not a year of early event deliveries only."""
    query = sql.SQL("select {col} from {tbl} where {col} is not null {complete} order by 1 {dir} limit 1")
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn.cursor() as cur:
            cur.execute("select to_regclass('intermediate.int_register_years') is not null")
            complete = sql.SQL(
                "and {col} not in (select period_year from intermediate.int_register_years "
                "where not is_complete_in_parkstad)"
                if column == "period_year" and cur.fetchone()[0] else ""
            ).format(col=sql.Identifier(column))
            cur.execute(query.format(
                col=sql.Identifier(column),
                tbl=sql.Identifier(schema, table),
                complete=complete,
                dir=sql.SQL("asc" if ascending else "desc"),
            ))
            row = cur.fetchone()
    finally:
        conn.close()
    if row is None:
        raise SupersetError(f"{schema}.{table} has no {column}; build the warehouse first")
    return row[0]


def as_code(name: str, text: str) -> tuple[str, str]:
    """A file of Superset's asset export as it is committed: (path under assets/, text).

    The inverse of `render_assets` plus what Superset's import adds: file names lose the
    installation's id, the database URI becomes the placeholder again, charts and dashboards
    lose the ids of this installation, pinned filter defaults become "first item" again. The
    export's timestamp is dropped, a dataset's columns and metrics are sorted by name (Superset
    orders them by their content, so an edited description would move them), and the text takes
    the committed YAML form.
    """
    config = yaml.safe_load(text)
    kind = name.split("/")[0]
    if name == "metadata.yaml":
        config.pop("timestamp", None)
    elif kind == "databases":
        config["sqlalchemy_uri"] = READER_URI
    elif kind == "datasets":
        config["columns"] = sorted(config.get("columns") or [], key=lambda column: column["column_name"])
        config["metrics"] = sorted(config.get("metrics") or [], key=lambda metric: metric["metric_name"])
    elif kind == "charts":
        _chart_as_code(config)
    elif kind == "dashboards":
        _dashboard_as_code(config)
    if kind in ("charts", "dashboards", "datasets"):  # a database's file has no id
        name = EXPORT_ID.sub("", name)
    return name, dump_asset(config)


def _without_id(datasource: str) -> str:
    """'12__table' -> '0__table': the import sets a chart's dataset from its dataset_uuid."""
    return re.sub(r"^\d+__", "0__", datasource)


def _chart_as_code(config: dict[str, Any]) -> None:
    if isinstance(config.get("params"), dict):
        config["params"].pop("datasource", None)
        config["params"].pop("slice_id", None)
    if config.get("query_context"):
        context = json.loads(config["query_context"])
        if "datasource" in context:
            context["datasource"]["id"] = 0
        form_data = context.get("form_data", {})
        form_data.pop("slice_id", None)
        if "datasource" in form_data:
            form_data["datasource"] = _without_id(form_data["datasource"])
        config["query_context"] = json.dumps(context, indent=2, ensure_ascii=False)


def _dashboard_as_code(config: dict[str, Any]) -> None:
    """Chart ids become the numbers `render_assets` gives (the position keeps only UUIDs);
    the charts a filter reaches (`chartsInScope`, `tabsInScope`) are left for Superset to
    derive from the filter's scope, as it does for the committed files."""
    numbers = {node["meta"].pop("chartId"): number for number, node in enumerate(_charts(config), start=1)}
    metadata = config.get("metadata", {})
    scopes = [native.get("scope") for native in metadata.get("native_filter_configuration", [])]
    scopes.append(metadata.get("global_chart_configuration", {}).get("scope"))
    if "chart_configuration" in metadata:  # cross filters, keyed by chart id
        charts = [chart for chart in metadata["chart_configuration"].values() if chart["id"] in numbers]
        for chart in charts:
            chart["id"] = numbers[chart["id"]]
            scopes.append(chart.get("crossFilters", {}).get("scope"))
        metadata["chart_configuration"] = {str(chart["id"]): chart for chart in charts}
    for scope in scopes:
        if isinstance(scope, dict) and "excluded" in scope:
            scope["excluded"] = [numbers[key] for key in scope["excluded"] if key in numbers]
    if "expanded_slices" in metadata:
        expanded = metadata["expanded_slices"].items()
        metadata["expanded_slices"] = {str(numbers[int(key)]): value for key, value in expanded if int(key) in numbers}
    if "timed_refresh_immune_slices" in metadata:
        immune = metadata["timed_refresh_immune_slices"]
        metadata["timed_refresh_immune_slices"] = [numbers[key] for key in immune if key in numbers]
    _drop_keys(metadata, {"chartsInScope", "tabsInScope"})
    for native in metadata.get("native_filter_configuration", []):
        if native.pop(PINNED, False):
            native["controlValues"]["defaultToFirstItem"] = True
            native["defaultDataMask"] = dict(EMPTY_DATA_MASK)


def _drop_keys(value: Any, keys: set[str]) -> None:
    if isinstance(value, dict):
        for key in keys & value.keys():
            del value[key]
        for item in value.values():
            _drop_keys(item, keys)
    elif isinstance(value, list):
        for item in value:
            _drop_keys(item, keys)


def _bundle(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(f"{BUNDLE_ROOT}/{name}", text)
    return buffer.getvalue()


def import_assets(settings: Settings, client: Client, source: Path = SUPERSET_DIR) -> None:
    """Import database, datasets, charts and dashboards, overwriting by UUID."""
    files = render_assets(settings, source)
    client.request(
        "POST",
        "/api/v1/assets/import/",
        files={"bundle": ("straatkubus_assets.zip", _bundle(files), "application/zip")},
        data={"passwords": json.dumps({DATABASE_FILE: settings.reader_password})},
    )
    kinds = sorted({name.split("/")[0] for name in files if "/" in name})
    print(f"Superset: imported {len(files) - 1} asset files ({', '.join(kinds)})")


def dashboard_urls(settings: Settings, source: Path = SUPERSET_DIR) -> dict[str, str]:
    """Every dashboard's title and address (by slug)."""
    paths = sorted((source / "assets" / "dashboards").glob("*.yaml"))
    dashboards = [yaml.safe_load(path.read_text()) for path in paths]
    return {
        dashboard["dashboard_title"]: f"{settings.superset_url}/superset/dashboard/{dashboard['slug']}/"
        for dashboard in dashboards
    }
