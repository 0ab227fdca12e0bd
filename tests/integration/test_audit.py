"""The disclosure audit (`straatkubus audit`) on a small hand-made published world.

The world follows the shapes of the marts (marts.fct_area_indicators, dim_indicators,
dim_areas and a value table like fct_area_signals) in a database of its own, with a reader
role of its own. Built from address blocks, it has primary and secondary suppression done by
hand, and it passes. Every other test starts from it, adds one leak and checks that the
audit fails with a finding that names the rule and the area: so every test can fail.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import psycopg2
import pytest
from conftest import run_cli

from straatkubus.publish.audit import AuditReport, audit
from straatkubus.settings import Settings
from straatkubus.warehouse import cluster

READER = "straatkubus_audit_reader"
YEAR = "2024"
MONTHS = ("2024-01", "2024-02", "2024-03")
GENERIC_REASON = "Niet gepubliceerd: te weinig personen of terug te rekenen"


@dataclasses.dataclass(frozen=True)
class Indicator:
    code: str
    unit: str
    min_cell_size: int
    min_denominator: int
    rounding_base: int
    numerator: str
    denominator: str | None
    group: str
    is_share: bool
    is_event: bool


INDICATORS = [
    Indicator("inwoners", "aantal", 5, 5, 0, "inhabitants", None, "inhabitants", False, False),
    Indicator("pct_65plus", "%", 5, 10, 0, "inhabitants_65plus", "inhabitants", "inhabitants",
              True, False),
    Indicator("wmo_per_1000", "per 1000", 5, 10, 0, "wmo_clients", "inhabitants", "inhabitants",
              True, False),
    Indicator("gem_woz_waarde", "euro", 5, 20, 0, "woz_total_eur", "valued_dwellings",
              "valued_dwellings", False, False),
    Indicator("overlast", "aantal", 5, 5, 0, "nuisance", None, "nuisance", False, True),
    Indicator("inbraken", "aantal", 5, 5, 5, "burglaries", None, "burglaries", False, True),
]
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}

# Address blocks: a PC6 part within one wijk. 6411AD lies in two wijken (so it has no
# wijk_code); PC4 6412 crosses the border of Heerlen (GM0917) and Kerkrade (GM0928).
FIELDS = ("inhabitants", "inhabitants_65plus", "wmo_clients", "valued_dwellings", "nuisance",
          "burglaries")
BLOCKS = {
    ("6411AA", "GM0917", "WK091701"): (120, 30, 10, 50, (6, 5, 7), (2, 3, 1)),
    ("6411AB", "GM0917", "WK091701"): (40, 12, 6, 22, (2, 1, 3), (1, 0, 1)),
    ("6411AC", "GM0917", "WK091701"): (3, 1, 0, 2, (0, 1, 0), (0, 0, 0)),
    ("6411AD", "GM0917", "WK091701"): (60, 15, 7, 25, (3, 2, 2), (1, 1, 0)),
    ("6411AD", "GM0917", "WK091702"): (50, 10, 6, 21, (2, 2, 3), (0, 1, 1)),
    ("6412AA", "GM0917", "WK091702"): (30, 27, 5, 24, (2, 3, 1), (1, 0, 0)),
    ("6412AB", "GM0917", "WK091702"): (80, 20, 9, 35, (3, 2, 4), (1, 1, 1)),
    ("6412AC", "GM0917", "WK091702"): (90, 25, 8, 40, (2, 2, 2), (0, 1, 0)),
    ("6412AD", "GM0928", "WK092801"): (70, 20, 7, 30, (5, 6, 5), (1, 0, 1)),
    ("6461AA", "GM0928", "WK092801"): (100, 25, 8, 45, (4, 4, 4), (1, 2, 1)),
    ("6461AB", "GM0928", "WK092801"): (85, 22, 7, 38, (3, 3, 3), (0, 1, 1)),
    ("6461AC", "GM0928", "WK092802"): (95, 24, 9, 41, (5, 5, 6), (2, 1, 0)),
}
# Secondary suppression, by hand: (area_code, indicator or "*"). 6411AB hides 6411AC (3
# inhabitants) in its PC4, wijk and gemeente; 6412AB hides the complement of 6412AA (3 people
# under 65) in its PC4.
SECONDARY = {("6411AB", "*"), ("6412AB", "pct_65plus")}
MUNICIPALITY_NAMES = {"GM0917": "Heerlen", "GM0928": "Kerkrade"}


# --- building the world ------------------------------------------------------------------
def area_quantities(blocks: dict) -> tuple[dict, dict]:
    """Quantities per area key (level, code, municipality) and period; area attributes."""
    totals: dict[tuple, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int)))
    wijken_of_pc6 = defaultdict(set)
    for (pc6, municipality, wijk), _ in blocks.items():
        wijken_of_pc6[(pc6, municipality)].add(wijk)
    areas = {}
    for (pc6, municipality, wijk), row in blocks.items():
        values = dict(zip(FIELDS, row, strict=True))
        pc6_wijken = wijken_of_pc6[(pc6, municipality)]
        keys = [("pc6", pc6, municipality), ("pc4", pc6[:4], municipality),
                ("wijk", wijk, municipality), ("gemeente", municipality, municipality),
                ("regio", "parkstad", None)]
        areas[keys[0]] = (pc6[:4], next(iter(pc6_wijken)) if len(pc6_wijken) == 1 else None)
        areas[keys[1]] = (None, None)
        areas[keys[2]] = (None, wijk)
        areas[keys[3]] = areas[keys[4]] = (None, None)
        for key in keys:
            for name in ("inhabitants", "inhabitants_65plus", "wmo_clients",
                         "valued_dwellings"):
                totals[key][YEAR][name] += values[name]
            average = 150_000 + 1_000 * sum(map(ord, pc6)) % 90_000
            totals[key][YEAR]["woz_total_eur"] += values["valued_dwellings"] * average
            for name in ("nuisance", "burglaries"):
                totals[key][YEAR][name] += sum(values[name])
                if key[0] != "pc6":  # months at pc4, wijk, gemeente and regio only
                    for month, count in zip(MONTHS, values[name], strict=True):
                        totals[key][month][name] += count
    return totals, areas


def primary_rule(indicator: Indicator, numerator: int, denominator: int | None) -> str | None:
    group = denominator if indicator.group == indicator.denominator else numerator
    if group < indicator.min_denominator:
        return "groep"
    if indicator.unit == "euro":
        return None
    if indicator.rounding_base and numerator < indicator.min_cell_size:
        return "afronding"
    if 1 <= numerator < indicator.min_cell_size:
        return "kenmerk"
    if indicator.is_share and 1 <= denominator - numerator < indicator.min_cell_size:
        return "complement"
    return None


def world_cells(blocks: dict, secondary: set) -> tuple[list[tuple], dict]:
    totals, areas = area_quantities(blocks)
    cells = []
    for (level, code, municipality), periods in totals.items():
        for period, quantities in periods.items():
            for indicator in INDICATORS:
                if len(period) > 4 and not indicator.is_event:
                    continue
                numerator = quantities[indicator.numerator]
                denominator = (totals[(level, code, municipality)][YEAR][indicator.denominator]
                               if indicator.denominator else None)
                rule = primary_rule(indicator, numerator, denominator)
                if indicator.rounding_base:
                    base = indicator.rounding_base
                    numerator = (numerator + base // 2) // base * base
                if rule is None and ({(code, "*"), (code, indicator.code)} & secondary):
                    rule = "secundair"
                reason = None
                if rule == "groep":
                    reason = f"Minder dan {indicator.min_denominator} in de groep: niet gepubliceerd"
                elif rule:
                    reason = GENERIC_REASON
                cells.append((level, code, municipality, period, indicator.code, numerator,
                              denominator, rule is not None, reason))
    return cells, areas


def execute(settings: Settings, statement: str, params=None) -> None:
    conn = psycopg2.connect(settings.dsn())
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
    finally:
        conn.close()


VALUE_SQL = """
    update marts.fct_area_indicators as f
    set value = case
        when f.is_suppressed then null
        else case i.unit
            when '%' then round(100.0 * f.numerator / nullif(f.denominator, 0), 1)
            when 'per 1000' then round(1000.0 * f.numerator / nullif(f.denominator, 0), 1)
            when 'euro' then round(f.numerator / nullif(f.denominator, 0), 1)
            else f.numerator
        end
    end
    from marts.dim_indicators as i
    where f.indicator_code = i.indicator_code
"""

SIGNALS_SQL = """
    drop table if exists marts.fct_area_signals;
    create table marts.fct_area_signals as
    select
        f.area_level, f.area_code, f.municipality_code, f.period_code, f.period_year,
        f.period_month, f.indicator_code, f.value, f.is_suppressed,
        case when not f.is_suppressed then round(f.value / 10, 2) end as z_score,
        case when not f.is_suppressed and f.value > 20 then 1 else 0 end as is_signal,
        a.centroid_longitude,
        (100 + length(f.area_code) * 10)::numeric as distance_m
    from marts.fct_area_indicators as f
    inner join marts.dim_areas as a
        on
            f.area_level = a.area_level and f.area_code = a.area_code
            and coalesce(f.municipality_code, '') = coalesce(a.municipality_code, '');
    grant select on marts.fct_area_signals to {reader};
"""


def build_world(settings: Settings, blocks: dict | None = None,
                secondary: set | None = None) -> None:
    """(Re)create the marts of the world; scratch.truth keeps every cell's true numbers."""
    cells, areas = world_cells(BLOCKS if blocks is None else blocks,
                               SECONDARY if secondary is None else secondary)
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"""
                drop schema if exists marts cascade;
                drop schema if exists scratch cascade;
                create schema marts;
                create schema scratch;
                create table marts.dim_indicators (
                    indicator_code text primary key, indicator_name text, unit text,
                    is_higher_worse boolean, sensitivity_tier text, min_cell_size integer,
                    min_denominator integer, rounding_base integer,
                    numerator_quantity_code text, denominator_quantity_code text,
                    group_quantity_code text, is_share boolean, is_event boolean,
                    privacy_rule text
                );
                create table marts.dim_areas (
                    area_level text, area_code text, municipality_code text, area_name text,
                    municipality_name text, pc4_code text, wijk_code text, area_geojson text,
                    centroid_longitude double precision, centroid_latitude double precision
                );
                create table marts.fct_area_indicators (
                    area_level text, area_code text, municipality_code text,
                    period_code text, period_year integer, period_month integer,
                    indicator_code text, sensitivity_tier text, numerator numeric,
                    denominator numeric, value numeric, is_suppressed boolean,
                    suppression_reason text
                );
                create table scratch.truth (like marts.fct_area_indicators);
                grant usage on schema marts to {READER};
            """)
            cur.executemany(
                "insert into marts.dim_indicators values "
                "(%s, %s, %s, true, 'openbaar', %s, %s, %s, %s, %s, %s, %s, %s, 'regel')",
                [(i.code, i.code, i.unit, i.min_cell_size, i.min_denominator, i.rounding_base,
                  i.numerator, i.denominator, i.group, i.is_share, i.is_event)
                 for i in INDICATORS])
            cur.executemany(
                "insert into marts.dim_areas values (%s, %s, %s, %s, %s, %s, %s, '{}', %s, %s)",
                [(level, code, municipality, code, MUNICIPALITY_NAMES.get(municipality),
                  pc4, wijk, 5.9 + index / 1000, 50.9 + index / 1000)
                 for index, ((level, code, municipality), (pc4, wijk))
                 in enumerate(sorted(areas.items(), key=str))])
            cur.executemany(
                "insert into scratch.truth values "
                "(%s, %s, %s, %s, left(%s, 4)::int, nullif(substr(%s, 6), '')::int, %s, "
                "'openbaar', %s, %s, null, %s, %s)",
                [(level, code, municipality, period, period, period, indicator, numerator,
                  denominator, suppressed, reason)
                 for level, code, municipality, period, indicator, numerator, denominator,
                 suppressed, reason in cells])
            cur.execute("""
                insert into marts.fct_area_indicators
                select
                    area_level, area_code, municipality_code, period_code, period_year,
                    period_month, indicator_code, sensitivity_tier,
                    case when not is_suppressed then numerator end,
                    case when not is_suppressed then denominator end,
                    null, is_suppressed, suppression_reason
                from scratch.truth
            """)
            cur.execute(VALUE_SQL)
            cur.execute(SIGNALS_SQL.format(reader=READER))
            cur.execute(f"grant select on all tables in schema marts to {READER}")
    finally:
        conn.close()


def publish(settings: Settings, level: str, code: str, indicator: str,
            period: str = YEAR) -> None:
    """Publish one cell the world withholds, with its true numbers: the leak to find."""
    execute(settings, """
        update marts.fct_area_indicators as f
        set numerator = t.numerator, denominator = t.denominator, is_suppressed = false,
            suppression_reason = null
        from scratch.truth as t
        where
            (f.area_level, f.area_code, f.period_code, f.indicator_code)
            = (t.area_level, t.area_code, t.period_code, t.indicator_code)
            and coalesce(f.municipality_code, '') = coalesce(t.municipality_code, '')
            and f.area_level = %s and f.area_code = %s and f.indicator_code = %s
            and f.period_code = %s
    """, (level, code, indicator, period))
    execute(settings, VALUE_SQL)


def with_block(**changes: tuple) -> dict:
    """BLOCKS with some blocks' fields changed: key 'pc6_wijk' -> dict of fields."""
    blocks = dict(BLOCKS)
    for name, fields in changes.items():
        pc6, wijk = name.split("_")
        key = next(key for key in blocks if key[0] == pc6 and key[2] == wijk)
        row = dict(zip(FIELDS, blocks[key], strict=True))
        row.update(fields)
        blocks[key] = tuple(row[field] for field in FIELDS)
    return blocks


def assert_finding(report: AuditReport, rule: str, *texts: str) -> None:
    assert not report.passed
    assert any(all(text in str(finding) for text in texts) for finding in report.examples(rule)), (
        f"no {rule} finding with {texts}:\n{report.render()}")


# --- fixtures ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def audit_db(postgres):
    """A database and reader role of their own."""
    settings = dataclasses.replace(postgres, pg_database="straatkubus_audit_tests",
                                   reader_user=READER, reader_password="audit-reader-test")
    cluster.drop_database(settings, settings.pg_database)
    cluster.ensure_databases(settings)
    yield settings
    cluster.drop_database(settings, settings.pg_database)
    execute(dataclasses.replace(settings, pg_database="postgres"), f"drop role if exists {READER}")


@pytest.fixture()
def world(audit_db):
    build_world(audit_db)
    return audit_db


# --- the clean world ---------------------------------------------------------------------
def test_the_clean_world_passes_and_is_checked(world):
    report = audit(world)
    assert report.passed, report.render()
    kinds = {relation.name: relation.kind for relation in report.relations}
    assert kinds == {
        "marts.dim_areas": "dimension",
        "marts.dim_indicators": "dimension",
        "marts.fct_area_indicators": "cell table",
        "marts.fct_area_signals": "value table",
        "public.spatial_ref_sys": "extension",
        "public.geography_columns": "extension",
        "public.geometry_columns": "extension",
    }
    cells = next(r for r in report.relations if r.name == "marts.fct_area_indicators")
    assert cells.rows > cells.checked > 0
    assert "PASSED" in report.render()


def test_the_command_line_passes_the_clean_world_and_fails_a_leak(world, monkeypatch):
    from typer.testing import CliRunner

    from straatkubus.cli import app

    monkeypatch.setenv("STRAATKUBUS_PG_DATABASE", world.pg_database)
    monkeypatch.setenv("STRAATKUBUS_READER_USER", READER)
    result = CliRunner().invoke(app, ["audit"])
    assert result.exit_code == 0, result.output
    assert "PASSED" in result.output
    publish(world, "pc6", "6411AC", "inwoners")
    result = CliRunner().invoke(app, ["audit"])
    assert result.exit_code == 1
    assert "small_count" in result.output and "6411AC" in result.output


# --- primary rules -----------------------------------------------------------------------
def test_a_published_small_count_fails(world):
    publish(world, "pc6", "6411AC", "inwoners")
    assert_finding(audit(world), "small_count", "pc6 6411AC (GM0917)", "numerator 3 < 5")


def test_a_published_small_complement_fails(world):
    publish(world, "pc6", "6412AA", "pct_65plus")  # 27 of 30 inhabitants are 65 or older
    assert_finding(audit(world), "small_complement", "pc6 6412AA", "inhabitants - "
                   "inhabitants_65plus = 3")


def test_an_average_woz_value_over_fewer_than_20_dwellings_fails(world):
    publish(world, "pc6", "6411AC", "gem_woz_waarde")
    assert_finding(audit(world), "small_group", "pc6 6411AC", "group of 2 < 20")


def test_a_rounded_count_not_a_multiple_of_its_base_fails(world):
    execute(world, """
        update marts.fct_area_indicators set numerator = 7, value = 7
        where area_level = 'pc4' and area_code = '6411' and indicator_code = 'inbraken'
            and period_code = '2024' and not is_suppressed
    """)
    assert_finding(audit(world), "rounding", "pc4 6411 (GM0917)", "numerator 7")


def test_a_value_that_does_not_follow_from_its_counts_fails(world):
    execute(world, """
        update marts.fct_area_indicators set value = value + 1
        where area_code = '6411AA' and indicator_code = 'pct_65plus'
    """)
    assert_finding(audit(world), "value_mismatch", "pc6 6411AA", "pct_65plus")


def test_numbers_left_in_a_suppressed_cell_fail(world):
    execute(world, """
        update marts.fct_area_indicators as f set numerator = t.numerator
        from scratch.truth as t
        where (f.area_code, f.indicator_code) = (t.area_code, t.indicator_code)
            and f.area_code = '6411AC' and f.indicator_code = 'pct_65plus'
    """)
    assert_finding(audit(world), "numbers_in_suppressed_cell", "pc6 6411AC", "numerator 1")


def test_one_quantity_published_with_two_values_fails(world):
    execute(world, """
        update marts.fct_area_indicators set denominator = denominator + 1
        where area_code = '6411AA' and indicator_code = 'pct_65plus'
    """)
    execute(world, VALUE_SQL)
    assert_finding(audit(world), "inconsistent_quantity", "pc6 6411AA", "inhabitants is published as 120")


# --- differencing ------------------------------------------------------------------------
def test_one_suppressed_child_under_a_published_parent_fails(world):
    publish(world, "pc6", "6411AB", "inwoners")  # the secondary cell: 6411AC is left alone
    report = audit(world)
    assert_finding(report, "area_differencing", "pc6→pc4", "pc4 6411 (GM0917)",
                   "inhabitants of the suppressed children derivable as 3")
    assert_finding(report, "area_differencing", "pc6→gemeente", "gemeente GM0917")


def test_two_suppressed_children_summing_to_a_small_number_fail(world):
    tiny = {"inhabitants": 2, "inhabitants_65plus": 1, "wmo_clients": 0}
    build_world(world, with_block(**{"6461AB_WK092801": tiny, "6461AC_WK092802": tiny}))
    assert_finding(audit(world), "area_differencing", "pc6→pc4", "pc4 6461 (GM0928)",
                   "derivable as 4")


def test_a_wijk_whose_contained_pc6s_leave_a_small_residual_fails(world):
    # 6411AD straddles two wijken: its 2 inhabitants in WK091702 are all that is left
    sliver = {"inhabitants": 2, "inhabitants_65plus": 0, "wmo_clients": 0}
    build_world(world, with_block(**{"6411AD_WK091702": sliver}))
    assert_finding(audit(world), "area_differencing", "pc6→wijk", "wijk WK091702",
                   "inhabitants of the suppressed children derivable as 2")


def test_a_small_complement_derivable_from_a_parent_fails(world):
    build_world(world, secondary={("6411AB", "*")})  # 6412AB no longer hides 6412AA
    assert_finding(audit(world), "complement_differencing", "pc4 6412 (GM0917)",
                   "inhabitants - inhabitants_65plus", "derivable as 3")


def test_a_year_minus_its_published_months_fails(world):
    quiet = {"6461AA_WK092801": {"nuisance": (4, 1, 4)}, "6461AB_WK092801": {"nuisance": (3, 1, 3)},
             "6461AC_WK092802": {"nuisance": (5, 1, 6)}}
    build_world(world, with_block(**quiet))
    assert_finding(audit(world), "period_differencing", "pc4 6461 (GM0928)", "2024",
                   "nuisance of the suppressed months derivable as 3")


def test_reasons_that_tell_which_side_is_small_fail(world):
    execute(world, """
        update marts.fct_area_indicators
        set suppression_reason = 'Minder dan 5 zonder dit kenmerk: niet gepubliceerd'
        where area_code = '6412AA' and indicator_code = 'pct_65plus'
    """)
    assert_finding(audit(world), "reason_reveals_side", "pct_65plus", "pc6 6412AA")


# --- value tables and what else the reader can read -------------------------------------
def test_a_value_table_publishing_a_suppressed_value_fails(world):
    execute(world, """
        update marts.fct_area_signals set value = 33.3
        where area_code = '6411AC' and indicator_code = 'pct_65plus'
    """)
    assert_finding(audit(world), "value_not_published", "marts.fct_area_signals",
                   "pc6 6411AC", "for a suppressed cell")


def test_a_value_table_showing_another_value_fails(world):
    execute(world, """
        update marts.fct_area_signals set value = value + 0.1
        where area_code = '6411AA' and indicator_code = 'pct_65plus'
    """)
    assert_finding(audit(world), "value_differs", "pc6 6411AA", "published")


def test_a_cell_of_an_area_the_dimension_does_not_know_fails(world):
    execute(world, """
        insert into marts.fct_area_indicators
        values ('pc6', '6499ZZ', 'GM0917', '2024', 2024, null, 'inwoners', 'openbaar',
            40, null, 40, false, null)
    """)
    assert_finding(audit(world), "unknown_key", "pc6 6499ZZ GM0917 2024 inwoners")


def test_another_number_on_a_suppressed_row_of_a_value_table_fails(world):
    execute(world, """
        update marts.fct_area_signals set z_score = 3.3
        where area_code = '6411AC' and indicator_code = 'pct_65plus'
    """)
    assert_finding(audit(world), "measure_in_suppressed_row", "pc6 6411AC", "z_score = 3.3")


def test_a_column_that_pretends_to_be_an_area_attribute_fails(world):
    execute(world, """
        update marts.fct_area_signals set centroid_longitude = 3
        where area_code = '6411AC' and indicator_code = 'pct_65plus'
    """)
    assert_finding(audit(world), "attribute_mismatch", "pc6 6411AC", "centroid_longitude")


def test_a_readable_table_with_person_rows_fails(world):
    execute(world, f"""
        create table marts.persons_export as
        select '123456782'::text as bsn, '6411AC'::text as pc6, 1948 as birth_year;
        grant select on marts.persons_export to {READER};
    """)
    assert_finding(audit(world), "unaudited_relation", "marts.persons_export", "bsn")


def test_a_table_readable_through_a_column_grant_fails(world):
    execute(world, f"""
        create table marts.care_notes (bsn text, note text);
        grant select (note) on marts.care_notes to {READER};
    """)
    assert_finding(audit(world), "unaudited_relation", "marts.care_notes", "columns: note")


def test_a_count_column_in_a_dimension_fails(world):
    execute(world, "alter table marts.dim_areas add column youth_care_clients integer")
    assert_finding(audit(world), "unaudited_column", "marts.dim_areas", "youth_care_clients")


def test_a_security_definer_function_the_reader_may_run_fails(world):
    execute(world, """
        create function marts.truth() returns setof scratch.truth
        language sql security definer as 'select * from scratch.truth';
    """)
    assert_finding(audit(world), "unaudited_function", "marts.truth()")


def test_a_missing_catalogue_fails(world):
    execute(world, "drop table marts.dim_indicators")
    report = audit(world)
    assert_finding(report, "missing_reference", "marts.dim_indicators")
    assert "not checked" in report.render()


# --- the real warehouse ------------------------------------------------------------------
@pytest.mark.stack
def test_the_built_warehouse_passes_the_audit(warehouse):
    run_cli("audit")
    report = audit(warehouse)
    kinds = {relation.name: relation.kind for relation in report.relations}
    assert kinds.get("marts.fct_area_indicators") == "cell table", report.render()
    assert kinds.get("marts.fct_area_signals") == "value table", report.render()
