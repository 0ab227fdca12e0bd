"""The committed Superset assets: their form is the export's, rendering and exporting them are
inverses, and the dbt exposures are exactly the dashboards (no Superset needed here)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from straatkubus.publish.superset import assets
from straatkubus.publish.superset.assets import ASSETS_DIR, as_code, dump_asset, render_assets
from straatkubus.settings import REPO, Settings

EXPOSURES = REPO / "models" / "marts" / "_marts__exposures.yml"


def _configs(kind: str) -> list[dict[str, Any]]:
    return [yaml.safe_load(path.read_text()) for path in sorted((ASSETS_DIR / kind).rglob("*.yaml"))]


def test_committed_assets_are_in_the_form_the_export_writes() -> None:
    for path in sorted(ASSETS_DIR.rglob("*.yaml")):
        text = path.read_text()
        assert dump_asset(yaml.safe_load(text)) == text, f"{path} is not in the export's form"


def test_exporting_what_the_deploy_renders_gives_the_committed_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render for an installation (the year filter pinned to 2023, the reader's URI filled in,
    charts numbered), then turn every file back the way the export does: nothing changes."""
    monkeypatch.setattr(assets, "_first_value", lambda *args: 2023)
    rendered = render_assets(Settings.from_env())
    assert any("2023" in text for name, text in rendered.items() if name.startswith("dashboards/"))
    assert "{{ reader_uri }}" not in rendered["databases/straatkubus_warehouse.yaml"]
    for name, text in rendered.items():
        assert as_code(name, text)[1] == (ASSETS_DIR / name).read_text(), name


def test_the_export_numbers_charts_as_the_deploy_does() -> None:
    """An installation's chart ids (here 101, 102, ...) become the charts' numbers in the
    dashboard's layout, which the deploy gives them again; ids Superset derives go."""
    config = yaml.safe_load((ASSETS_DIR / "dashboards" / "Regio_Parkstad.yaml").read_text())
    charts = [node for node in config["position"].values() if isinstance(node, dict) and node.get("type") == "CHART"]
    for number, node in enumerate(charts, start=1):
        node["meta"]["chartId"] = 100 + number
    native = config["metadata"]["native_filter_configuration"][0]
    native["scope"]["excluded"] = [102]
    native["chartsInScope"] = [101, 103]
    name, text = as_code("dashboards/Regio_Parkstad_7.yaml", dump_asset(config))
    assert name == "dashboards/Regio_Parkstad.yaml"
    exported = yaml.safe_load(text)
    assert exported["metadata"]["native_filter_configuration"][0]["scope"]["excluded"] == [2]
    assert "chartsInScope" not in text and "chartId" not in text
    assert as_code("charts/Top_10_12.yaml", "slice_name: Top 10\n")[0] == "charts/Top_10.yaml"


def test_exposures_are_the_dashboards() -> None:
    """One exposure per dashboard, named by its slug, labelled with its title, at its address,
    depending on exactly the marts its charts and filters read."""
    tables = {config["uuid"]: (config["schema"], config["table_name"]) for config in _configs("datasets")}
    chart_datasets = {config["uuid"]: config["dataset_uuid"] for config in _configs("charts")}
    exposures = {exposure["name"]: exposure for exposure in yaml.safe_load(EXPOSURES.read_text())["exposures"]}
    dashboards = _configs("dashboards")
    assert sorted(exposures) == sorted(dashboard["slug"].replace("-", "_") for dashboard in dashboards)
    for dashboard in dashboards:
        exposure = exposures[dashboard["slug"].replace("-", "_")]
        datasets = {
            chart_datasets[node["meta"]["uuid"]]
            for node in dashboard["position"].values()
            if isinstance(node, dict) and node.get("type") == "CHART"
        } | {
            target["datasetUuid"]
            for native in dashboard["metadata"].get("native_filter_configuration", [])
            for target in native.get("targets", [])
        }
        assert {tables[uuid][0] for uuid in datasets} == {"marts"}
        assert exposure["type"] == "dashboard"
        assert exposure["label"] == dashboard["dashboard_title"]
        assert urlparse(exposure["url"]).path == f"/superset/dashboard/{dashboard['slug']}/"
        assert exposure["owner"]["name"] and exposure["owner"]["email"]
        assert sorted(exposure["depends_on"]) == sorted(f"ref('{tables[uuid][1]}')" for uuid in datasets)
