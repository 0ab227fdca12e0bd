"""The dbt project's structure: dbt-project-evaluator's rules (the vendored package, run on
the project's graph), and the project's own rules checked on its manifest and catalogue from
`dbt docs generate`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from straatkubus.settings import REPO, Settings


@pytest.fixture(scope="module")
def project(warehouse: Settings) -> tuple[dict, dict]:
    target = warehouse.state_dir / "docs-target"
    env = {**os.environ, **warehouse.dbt_env(), "DBT_TARGET_PATH": str(target),
           "DBT_LOG_PATH": str(warehouse.state_dir / "dbt-logs")}
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run([str(dbt), "docs", "generate", "--project-dir", str(REPO),
                             "--profiles-dir", str(REPO / "profiles")],
                            env=env, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    return (json.loads((target / "manifest.json").read_text()),
            json.loads((target / "catalog.json").read_text()))


def test_dbt_project_evaluator_finds_nothing(warehouse: Settings):
    """Every rule of dbt-project-evaluator (dbt_packages_vendored/README.md) holds, apart from
    the exceptions in seeds/dbt_project_evaluator/, each with its reason."""
    target = warehouse.state_dir / "evaluator-target"
    env = {**os.environ, **warehouse.dbt_env(), "DBT_TARGET_PATH": str(target),
           "DBT_LOG_PATH": str(warehouse.state_dir / "dbt-logs")}
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run([str(dbt), "build", "--select", "package:dbt_project_evaluator",
                             "dbt_project_evaluator_exceptions",
                             "--vars", "{evaluate_project: true}", "--project-dir", str(REPO),
                             "--profiles-dir", str(REPO / "profiles")],
                            env=env, cwd=REPO, capture_output=True, text=True)
    try:
        results = json.loads((target / "run_results.json").read_text())["results"]
        rules = [r for r in results if r["unique_id"].startswith("test.dbt_project_evaluator.")]
        assert len(rules) > 20, result.stdout[-3000:]
        assert [(r["unique_id"], r["status"], r["failures"]) for r in rules
                if r["status"] != "pass"] == []
        assert result.returncode == 0, result.stdout[-3000:]
    finally:
        conn = psycopg2.connect(warehouse.dsn())
        with conn, conn.cursor() as cur:
            cur.execute("drop schema if exists dbt_project_evaluator cascade")
        conn.close()


def models(manifest: dict) -> dict[str, dict]:
    return {uid: node for uid, node in manifest["nodes"].items()
            if node["resource_type"] == "model" and node["package_name"] == "straatkubus"}


def layer(node: dict) -> str:
    return node["fqn"][1]


def test_docs_describe_every_model_and_every_column_it_has(project):
    manifest, catalog = project
    undocumented = []
    for uid, node in models(manifest).items():
        if not node["description"].strip():
            undocumented.append(uid)
        built = catalog["nodes"].get(uid, {}).get("columns", {})
        assert built, f"{uid} is missing from the catalogue"
        documented = {name for name, column in node["columns"].items()
                      if column["description"].strip()}
        undocumented += [f"{uid}.{name}" for name in built if name not in documented]
    assert undocumented == []


def test_layers_depend_only_downwards_and_marts_are_contracted_tables(project):
    manifest, _ = project
    nodes = models(manifest)
    problems = []
    for uid, node in nodes.items():
        parents = node["depends_on"]["nodes"]
        sources = [p for p in parents if p.startswith("source.")]
        parent_layers = {layer(nodes[p]) for p in parents if p in nodes}
        if len(parents) >= 7:
            problems.append(f"{uid}: {len(parents)} parents")
        if len(sources) > 1:
            problems.append(f"{uid}: joins {len(sources)} sources")
        if layer(node) == "staging" and parent_layers:
            problems.append(f"{uid}: staging depends on {parent_layers}")
        if layer(node) != "staging" and sources:
            problems.append(f"{uid}: reads a source directly")
        if layer(node) == "marts":
            config = node["config"]
            # a view only with the reader's rights, so that the tables' row-level security holds
            reader_view = config["materialized"] == "view" and any(
                "security_invoker" in hook["sql"] for hook in config["post-hook"])
            if not (config["contract"]["enforced"]
                    and (config["materialized"] in ("table", "incremental") or reader_view)):
                problems.append(f"{uid}: mart without a contract, or neither a table nor a "
                                "view with the reader's rights")
        config = node["config"]
        if config["materialized"] == "incremental" and not (
                config.get("unique_key") and config.get("on_schema_change") == "fail"):
            problems.append(f"{uid}: incremental without unique_key/on_schema_change fail")
    assert problems == []


def test_exposures_depend_on_contracted_marts_only(project):
    manifest, _ = project
    nodes = models(manifest)
    assert manifest["exposures"], "the Superset dashboards are declared as exposures"
    for exposure in manifest["exposures"].values():
        for parent in exposure["depends_on"]["nodes"]:
            assert layer(nodes[parent]) == "marts", (exposure["name"], parent)
            assert nodes[parent]["config"]["contract"]["enforced"], parent


def test_every_macro_is_documented_with_its_arguments(project):
    manifest, _ = project
    problems = []
    for macro in manifest["macros"].values():
        if macro["package_name"] != "straatkubus":
            continue
        # an adapter's implementation (adapter.dispatch) is documented by its dispatcher
        dispatched = re.fullmatch(r"(?:default|postgres|duckdb)__(\w+)", macro["name"])
        docs = manifest["macros"].get(f"macro.straatkubus.{dispatched.group(1)}", macro) \
            if dispatched else macro
        if not docs["description"].strip():
            problems.append(f"{macro['name']}: no description")
        signature = re.search(r"\{%-?\s*(?:macro|test)\s+\w+\((.*?)\)", macro["macro_sql"], re.S)
        arguments = {part.split("=")[0].strip() for part in signature.group(1).split(",")
                     if part.strip()}
        documented = {argument["name"] for argument in docs["arguments"]}
        if arguments - documented - {"model"} and macro["name"] != "generate_schema_name":
            problems.append(f"{macro['name']}: undocumented {arguments - documented}")
    assert problems == []
