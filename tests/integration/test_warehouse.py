"""The warehouse built from generated deliveries, through the real command line and dbt."""

from __future__ import annotations

import csv
import subprocess
import sys

import psycopg2
import pytest
from conftest import TEST_SCALE, query, run_cli

from straatkubus.settings import REPO, Settings


def as_reader(settings: Settings, sql: str):
    return query(settings, sql, user=settings.reader_user, password=settings.reader_password)


def generated_rows(settings: Settings) -> int:
    total = 0
    for path in (settings.state_dir / "deliveries").glob("*.csv"):
        with open(path, newline="") as handle:
            total += sum(1 for _ in csv.reader(handle)) - 1
    return total


def test_every_generated_row_is_loaded_and_none_quarantined(warehouse):
    (deliveries, loaded, quarantined), = query(warehouse, """
        select count(*), sum(rows_loaded), sum(rows_quarantined) from raw.deliveries
        where is_current""")
    assert deliveries == len(list((warehouse.state_dir / "deliveries").glob("*.csv")))
    assert (loaded, quarantined) == (generated_rows(warehouse), 0)


# CBS figure -> our indicator; counts scale with the generated fraction of Parkstad.
CALIBRATED = {
    "inhabitants": ("inwoners", True),
    "households": ("huishoudens", True),
    "pct_one_person_households": ("pct_eenpersoonshuishoudens", False),
    "pct_65plus": ("pct_65plus", False),
    "avg_woz_eur": ("gem_woz_waarde", False),
    "pct_corporation_dwellings": ("pct_corporatiewoningen", False),
    "pct_youth_care": ("pct_jeugdzorg", False),
    "wmo_clients_per_1000": ("wmo_clienten_per_1000", False),
}


def test_municipality_totals_in_our_marts_match_cbs_within_one_percent(warehouse):
    """Within 1 %, plus for counts CBS rounds to 5 (youth care, WMO) the most that rounding
    can move the published value."""
    per_unit = {"%": 100, "per 1000": 1000}
    ours = {}
    for code, year, indicator, value, denominator, base, unit in query(warehouse, """
            select f.municipality_code, f.period_year, f.indicator_code, f.value,
                   f.denominator, i.rounding_base, i.unit
            from marts.fct_area_indicators f join marts.dim_indicators i using (indicator_code)
            where f.area_level = 'gemeente' and f.period_month is null
              and not f.is_suppressed"""):
        rounding = per_unit.get(unit, 1) * base / 2 / float(denominator) if base else 0.0
        ours[(code, year, indicator)] = (float(value), rounding)
    cbs = query(warehouse, f"select municipality_code, year, {', '.join(CALIBRATED)} "
                           "from raw.cbs_municipality_figures")
    compared, off = 0, []
    for code, year, *figures in cbs:
        for (indicator, is_count), expected in zip(CALIBRATED.values(), figures, strict=True):
            if expected is None:
                continue  # CBS did not publish this figure for this year
            target = round(float(expected) * TEST_SCALE) if is_count else float(expected)
            value, rounding = ours.get((code, year, indicator), (None, 0.0))
            compared += 1
            if value is None or abs(value - target) > 0.01 * abs(target) + rounding:
                off.append((code, year, indicator, value, target))
    assert compared >= 7 * 10
    assert off == []


def gemeente_values(settings: Settings) -> dict[tuple[str, int], dict[str, float]]:
    """(indicator, year) -> municipality -> the published yearly value, as the dashboards
    show it (one decimal)."""
    values: dict[tuple[str, int], dict[str, float]] = {}
    for indicator, year, code, value in query(settings, """
            select indicator_code, period_year, municipality_code, round(value, 1)
            from marts.fct_area_indicators
            where area_level = 'gemeente' and period_month is null and not is_suppressed"""):
        values.setdefault((indicator, year), {})[code] = float(value)
    return values


def test_no_published_indicator_is_the_same_in_all_seven_municipalities(warehouse):
    """A comparison across borders shows something: every indicator published for all
    seven municipalities in a year differs between them, by more than a rounding."""
    values = gemeente_values(warehouse)
    complete = {key: by_code for key, by_code in values.items() if len(by_code) == 7}
    assert len({indicator for indicator, _ in complete}) >= 30
    flat = [key for key, by_code in complete.items() if len(set(by_code.values())) == 1]
    assert flat == []
    hardly = [key for key, by_code in complete.items()
              if max(by_code.values()) - min(by_code.values()) < 0.05 * max(map(abs, by_code.values()))]
    assert hardly == []


def test_indicators_change_over_the_years_some_municipalities_better_some_worse(warehouse):
    """Between the first and the last year, every indicator published for all seven
    municipalities in both that no CBS figure fixes moves differently per municipality, and
    every rate per 1000 rises in some municipalities and falls in others."""
    values = gemeente_values(warehouse)
    fixed = {indicator for indicator, _ in CALIBRATED.values()}
    first, last = min(year for _, year in values), max(year for _, year in values)
    same_change, one_direction = [], []
    for indicator in sorted({indicator for indicator, _ in values}):
        before, after = values.get((indicator, first), {}), values.get((indicator, last), {})
        codes = sorted(set(before) & set(after))
        if len(codes) < 7:
            continue
        changes = [after[code] - before[code] for code in codes]
        if indicator not in fixed and len(set(changes)) == 1:
            same_change.append(indicator)
        if indicator.endswith("_per_1000") and not (min(changes) < 0 < max(changes)):
            one_direction.append(indicator)
    assert same_change == []
    assert one_direction == []


def test_every_published_pc6_area_is_one_polygon_inside_its_pc4(warehouse):
    """Inside the PC4's outline: a published area has its holes filled (see the model), so
    one around an enclave of another PC4 covers that enclave too."""
    rows = query(warehouse, """
        select count(*),
               count(*) filter (where st_geometrytype(st_geomfromgeojson(area_geojson))
                                <> 'ST_Polygon'),
               count(*) filter (where not st_within(
                   st_pointonsurface(a.area), st_buffer(outline.area, 1)))
        from intermediate.int_pc6_areas_derived a
        join staging.stg_cbs__pc4_areas p using (pc4_code)
        cross join lateral (
            select st_union(st_makepolygon(st_exteriorring(part.geom))) as area
            from st_dump(p.boundary) part) outline""")
    total, not_polygon, outside = rows[0]
    assert total > 500 and not_polygon == 0 and outside == 0


def test_map_boundaries_are_valid_geojson_with_five_decimals(warehouse):
    """The boundaries every map request carries (dim_areas, joined by the view fct_area_signals):
    valid Polygons or MultiPolygons, no coordinate with more than 5 decimals (about 1 m),
    and each PC6 still the shape of its derived cell (2 m simplification, 1 m grid)."""
    (areas, not_valid_polygon, too_precise), = query(warehouse, r"""
        select count(*),
               count(*) filter (where st_geometrytype(st_geomfromgeojson(area_geojson))
                                not in ('ST_Polygon', 'ST_MultiPolygon')
                                or not st_isvalid(st_geomfromgeojson(area_geojson))),
               count(*) filter (where area_geojson ~ '\.\d{6}')
        from marts.dim_areas""")
    # what lies in the published boundary or in the cell but not in both, as a share of the cell
    (pc6_areas, mean_difference, max_difference), = query(warehouse, """
        with published as (
            select p.area as cell,
                   st_transform(st_setsrid(st_geomfromgeojson(a.area_geojson), 4326), st_srid(p.area)) as boundary
            from marts.dim_areas a
            join intermediate.int_pc6_areas_derived p
                on a.area_level = 'pc6' and (a.area_code, a.municipality_code) = (p.pc6_code, p.municipality_code)
        ),
        differences as (select st_area(st_symdifference(boundary, cell)) / st_area(cell) as share from published)
        select count(*), avg(share), max(share) from differences""")
    assert areas > 500 and not_valid_polygon == 0 and too_precise == 0
    assert pc6_areas > 500 and mean_difference < 0.02 and max_difference < 0.15


def test_superset_reader_may_select_the_marts_only_and_reads_no_rows(warehouse):
    """The base reader (Superset's login when no user is known) holds the grants the audit
    inspects, but no policy: row-level security gives it no rows (scope logins read theirs,
    tests/integration/security/database/test_logins.py)."""
    for mart in ("fct_area_indicators", "fct_area_signals", "dim_indicators", "dim_areas"):
        assert as_reader(warehouse, f"select count(*) from marts.{mart}")[0][0] == 0
        assert query(warehouse, f"select count(*) from marts.{mart}")[0][0] > 0
    for relation in ("raw.brp_persons", "staging.stg_brp__persons",
                     "intermediate.int_address_quantities",
                     "intermediate.int_area_quantities_protected", "raw.deliveries"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            as_reader(warehouse, f"select 1 from {relation} limit 1")
    for database in (warehouse.superset_database, "postgres", "template1"):
        with pytest.raises(psycopg2.OperationalError):
            query(warehouse, "select 1", database=database,
                  user=warehouse.reader_user, password=warehouse.reader_password)


IDENTIFYING_WORDS = ("bsn", "pseudonym", "person", "birth", "geboorte", "naam", "first_name",
                     "last_name", "surname", "address_id", "household_id", "street", "house_number")


def test_no_identifier_name_or_birth_date_is_readable_by_superset(warehouse):
    """Scan every column Superset's database user may select: no identifying column names,
    and no value that is a BSN (elfproef), a pseudonym or a birth date of an inhabitant
    (values read as the owner: every row, whatever the row-level security)."""
    columns = as_reader(warehouse, """
        select table_schema, table_name, column_name, data_type from information_schema.columns
        where table_schema not in ('pg_catalog', 'information_schema')
          and case when has_schema_privilege(table_schema, 'usage') then
              has_column_privilege(quote_ident(table_schema) || '.' || quote_ident(table_name),
                                   column_name, 'select') end""")
    assert columns, "the reader should see the marts"
    assert {schema for schema, *_ in columns} <= {"marts", "public"}
    names = [c for c in columns if c[1] != "spatial_ref_sys"
             and any(word in c[2].lower() for word in IDENTIFYING_WORDS if word != "naam")
             or c[2].lower().endswith("naam")]
    assert names == []

    pseudonyms = {row[0] for row in query(warehouse, "select bsn_pseudonym from raw.brp_persons")}
    for schema, table, column, data_type in columns:
        if table == "spatial_ref_sys":
            continue
        relation = f'"{schema}"."{table}"'
        if data_type == "date":
            assert query(warehouse, f'select count(*) from {relation} where "{column}" < '
                                    "current_date - interval '1 year'")[0][0] == 0, column
        if data_type in ("text", "character varying"):
            values = {v for (v,) in query(warehouse, f'select distinct "{column}"::text '
                                                     f"from {relation}")}
            assert not values & pseudonyms, f"{relation}.{column} holds pseudonyms"
            nine_digits = [v for v in values if v and v.isdigit() and len(v) == 9]
            assert nine_digits == [], f"{relation}.{column} holds 9-digit numbers"


def test_no_bsn_is_stored_anywhere(warehouse):
    with open(next((warehouse.state_dir / "deliveries").glob("brp_persons__*.csv"))) as handle:
        bsns = [row["bsn"] for _, row in zip(range(50), csv.DictReader(handle), strict=False)]
    hits = query(warehouse, "select count(*) from raw.brp_persons where bsn_pseudonym = any(%s)",
                 (bsns,))
    assert hits[0][0] == 0
    columns = query(warehouse, """select table_schema || '.' || table_name || '.' || column_name
        from information_schema.columns where column_name ilike '%%bsn%%'
        and column_name not ilike '%%pseudonym%%'""")
    assert columns == []


def test_loading_the_same_deliveries_again_changes_nothing(warehouse):
    state = """select (select count(*) from raw.deliveries), (select count(*) from raw.quarantine),
                      (select count(*) from raw.brp_persons), (select count(*) from raw.woz_values),
                      (select max(delivery_loaded_at) from raw.police_incidents)"""
    before = query(warehouse, state)
    run_cli("load", str(warehouse.state_dir / "deliveries"))
    assert query(warehouse, state) == before


def test_sqlfluff_lints_the_dbt_project_clean(warehouse):
    env = {**warehouse.dbt_env(), "DBT_TARGET_PATH": str(warehouse.state_dir / "sqlfluff-target"),
           "DBT_LOG_PATH": str(warehouse.state_dir / "dbt-logs"), "PATH": "/usr/bin:/bin"}
    sqlfluff = [sys.executable, "-m", "sqlfluff", "lint", "models", "tests/dbt"]
    result = subprocess.run(sqlfluff, cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
