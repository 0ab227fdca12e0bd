"""The geography of the warehouse: addresses in wijken, PC6 parts per municipality, parent
relations, the dim_areas mart and the border zone, checked against PostGIS and the BAG."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import query

from straatkubus.settings import REPO, Settings
from straatkubus.synth.border import BORDER_PC6_SHARE

LEVELS = ("pc6", "pc4", "wijk", "gemeente", "regio")


def scalar(settings: Settings, sql: str, params=()):
    return query(settings, sql, params)[0][0]


def project_var(name: str):
    return yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"][name]


# --- addresses in wijken ------------------------------------------------------------------
def test_every_bag_address_gets_exactly_one_wijk_of_its_own_municipality(warehouse):
    addresses = scalar(warehouse, "select count(*) from staging.stg_bag__addresses")
    assigned, distinct_rows, matched, own_municipality = query(warehouse, """
        select count(*),
               count(distinct (a.address_id, a.period_year)),
               count(b.address_id),
               count(*) filter (where w.municipality_code = b.municipality_code)
        from intermediate.int_addresses_assigned_to_wijken a
        left join staging.stg_bag__addresses b using (address_id, period_year)
        left join staging.stg_cbs__wijken w using (wijk_code)""")[0]
    assert addresses > 10_000
    assert assigned == distinct_rows == matched == own_municipality == addresses


def test_wijk_assignment_agrees_with_postgis_containment(warehouse):
    """Inside one or more wijken of its municipality: the lowest-coded of them; inside none
    (generalised boundaries): the nearest wijk of its municipality."""
    inside, outside, wrong_inside, wrong_outside = query(warehouse, """
        with candidates as (
            select a.address_id, a.period_year, a.wijk_code as assigned,
                   min(w.wijk_code) filter (where st_contains(w.boundary, b.address_point))
                       as lowest_containing,
                   min(st_distance(w.boundary, b.address_point)) as nearest_distance,
                   min(st_distance(w.boundary, b.address_point))
                       filter (where w.wijk_code = a.wijk_code) as assigned_distance
            from intermediate.int_addresses_assigned_to_wijken a
            join staging.stg_bag__addresses b using (address_id, period_year)
            join staging.stg_cbs__wijken w on w.municipality_code = b.municipality_code
            group by 1, 2, 3)
        select count(*) filter (where lowest_containing is not null),
               count(*) filter (where lowest_containing is null),
               count(*) filter (where lowest_containing <> assigned),
               count(*) filter (where lowest_containing is null
                                and assigned_distance > nearest_distance + 0.01)
        from candidates""")[0]
    assert inside > 0.9 * (inside + outside)
    assert wrong_inside == 0 and wrong_outside == 0


# --- PC6 parts and relations --------------------------------------------------------------
def test_pc6_parts_are_the_postcode_and_municipality_pairs_of_the_bag(warehouse):
    parts, missing, extra = query(warehouse, """
        with bag as (select distinct pc6_code, municipality_code from staging.stg_bag__addresses)
        select (select count(*) from intermediate.int_pc6_areas_derived),
               (select count(*) from bag left join intermediate.int_pc6_areas_derived d
                    using (pc6_code, municipality_code) where d.pc6_code is null),
               (select count(*) from intermediate.int_pc6_areas_derived d left join bag
                    using (pc6_code, municipality_code) where bag.pc6_code is null)""")[0]
    assert parts > 500 and missing == 0 and extra == 0


def test_every_pc6_part_has_its_pc4_gemeente_and_regio(warehouse):
    rows = query(warehouse, """
        select d.pc6_code, d.municipality_code, r.parent_level, r.parent_area_code,
               r.parent_municipality_code
        from intermediate.int_pc6_areas_derived d
        left join intermediate.int_area_relations r
            on r.child_level = 'pc6' and r.child_area_code = d.pc6_code
           and r.child_municipality_code = d.municipality_code
           and r.parent_level in ('pc4', 'gemeente', 'regio')""")
    parents: dict[tuple[str, str], dict[str, tuple]] = {}
    for pc6, municipality, level, code, parent_municipality in rows:
        parents.setdefault((pc6, municipality), {})[level] = (code, parent_municipality)
    assert len(parents) > 500
    wrong = [(pc6, municipality, found) for (pc6, municipality), found in parents.items()
             if found != {"pc4": (pc6[:4], municipality), "gemeente": (municipality, municipality),
                          "regio": ("parkstad", None)}]
    assert wrong == []


def test_pc6_to_wijk_only_for_parts_wholly_within_one_wijk(warehouse):
    rows = query(warehouse, """
        with wijken_per_part as (
            select pc6_code, municipality_code, count(distinct wijk_code) as wijken,
                   min(wijk_code) as wijk_code
            from intermediate.int_addresses_assigned_to_wijken
            group by 1, 2)
        select p.wijken, p.wijk_code, r.parent_area_code, r.parent_municipality_code,
               p.municipality_code
        from wijken_per_part p
        left join intermediate.int_area_relations r
            on r.child_level = 'pc6' and r.child_area_code = p.pc6_code
           and r.child_municipality_code = p.municipality_code and r.parent_level = 'wijk'""")
    whole = [r for r in rows if r[0] == 1]
    split = [r for r in rows if r[0] > 1]
    assert whole and split, "expected PC6 parts both within one wijk and across wijken"
    assert all(parent == wijk and parent_municipality == municipality
               for _, wijk, parent, parent_municipality, municipality in whole)
    assert all(parent is None for _, _, parent, _, _ in split)


def test_relations_cover_every_level_pair_and_only_known_areas(warehouse):
    pairs = dict(query(warehouse, """
        select child_level || '>' || parent_level, count(*)
        from intermediate.int_area_relations group by 1"""))
    expected = {"pc6>pc4", "pc6>wijk", "pc6>gemeente", "pc6>regio", "pc4>gemeente", "pc4>regio",
                "wijk>gemeente", "wijk>regio", "gemeente>regio"}
    assert set(pairs) == expected
    unknown = scalar(warehouse, """
        select count(*) from intermediate.int_area_relations r
        left join marts.dim_areas c
            on c.area_level = r.child_level and c.area_code = r.child_area_code
           and c.municipality_code = r.child_municipality_code
        left join marts.dim_areas p
            on p.area_level = r.parent_level and p.area_code = r.parent_area_code
           and p.municipality_code is not distinct from r.parent_municipality_code
        where c.area_code is null or p.area_code is null""")
    assert unknown == 0
    pc4_parts = scalar(warehouse, """
        select count(*) from (select distinct pc4_code, municipality_code
                              from staging.stg_bag__addresses) parts""")
    assert pairs["pc4>gemeente"] == pairs["pc4>regio"] == pc4_parts


# --- dim_areas ------------------------------------------------------------------------------
def test_dim_areas_has_one_row_per_area_with_valid_geojson(warehouse):
    rows = query(warehouse, """
        select area_level, area_code, municipality_code, area_name, municipality_name, pc4_code,
               wijk_code, area_geojson, centroid_longitude, centroid_latitude
        from marts.dim_areas""")
    keys = [(r[0], r[1], r[2]) for r in rows]
    assert len(keys) == len(set(keys))
    counts = {level: sum(1 for r in rows if r[0] == level) for level in LEVELS}
    bag_parts = query(warehouse, """
        select count(distinct (pc6_code, municipality_code)),
               count(distinct (pc4_code, municipality_code))
        from staging.stg_bag__addresses""")[0]
    assert (counts["pc6"], counts["pc4"]) == bag_parts
    assert counts["wijk"] == 49  # CBS Wijk- en buurtkaart 2024: 49 wijken in Parkstad
    assert counts["gemeente"] == 7 and counts["regio"] == 1
    problems = []
    for level, code, municipality, name, municipality_name, pc4, wijk, geojson, lon, lat in rows:
        geometry = json.loads(geojson)
        if geometry["type"] not in ("Polygon", "MultiPolygon"):
            problems.append((level, code, geometry["type"]))
            continue
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        points = [point for polygon in polygons for ring in polygon for point in ring]
        if not points or not all(5.6 < x < 6.2 and 50.7 < y < 51.1 for x, y in points):
            problems.append((level, code, "coordinates outside Parkstad"))
        if not (5.6 < lon < 6.2 and 50.7 < lat < 51.1) or not name:
            problems.append((level, code, "centre or name"))
        if (municipality is None) != (level == "regio") or (municipality_name is None) != (level == "regio"):
            problems.append((level, code, "municipality"))
        if level in ("pc6", "pc4") and pc4 != code[:4]:
            problems.append((level, code, "pc4_code"))
        if level == "wijk" and wijk != code:
            problems.append((level, code, "wijk_code"))
    assert problems == []


def test_dim_areas_wijk_of_a_pc6_is_its_wijk_relation(warehouse):
    pc6_rows, with_wijk, mismatched = query(warehouse, """
        select count(*), count(a.wijk_code),
               count(*) filter (where r.parent_area_code is distinct from a.wijk_code)
        from marts.dim_areas a
        left join intermediate.int_area_relations r
            on r.child_level = 'pc6' and r.child_area_code = a.area_code
           and r.child_municipality_code = a.municipality_code and r.parent_level = 'wijk'
        where a.area_level = 'pc6'""")[0]
    assert 0 < with_wijk < pc6_rows
    assert mismatched == 0


def test_pc4_parts_are_the_union_of_their_pc6_areas(warehouse):
    """A PC4 part covers every PC6 part of it (its polygon is the union of their cells)."""
    uncovered = scalar(warehouse, """
        select count(*)
        from marts.dim_areas p
        join intermediate.int_pc6_areas_derived d
            on d.pc4_code = p.area_code and d.municipality_code = p.municipality_code
        where p.area_level = 'pc4'
          and not st_intersects(st_buffer(st_transform(st_setsrid(
                  st_geomfromgeojson(p.area_geojson), 4326), 28992), 25),
              st_pointonsurface(d.area))""")
    assert uncovered == 0


# --- border zone ----------------------------------------------------------------------------
def test_border_neighbours_are_other_municipalities_within_the_distance(warehouse):
    distance = project_var("border_zone_distance_m")
    rows, own, too_far, wrong_distance = query(warehouse, """
        select count(*),
               count(*) filter (where n.viewer_municipality_code = n.municipality_code),
               count(*) filter (where st_distance(d.area, m.boundary) > %(distance)s),
               count(*) filter (where abs(st_distance(d.area, m.boundary) - n.distance_m) > 0.1)
        from intermediate.int_pc6_border_neighbours n
        join intermediate.int_pc6_areas_derived d using (pc6_code, municipality_code)
        join staging.stg_cbs__municipality_areas m
            on m.municipality_code = n.viewer_municipality_code""", {"distance": distance})[0]
    assert rows > 100 and own == 0 and too_far == 0 and wrong_distance == 0
    expected = scalar(warehouse, """
        select count(*) from intermediate.int_pc6_areas_derived d
        join staging.stg_cbs__municipality_areas m
            on m.municipality_code <> d.municipality_code
           and st_distance(d.area, m.boundary) <= %(distance)s""", {"distance": distance})
    assert rows == expected


# --- PC6 areas crossing a municipal border ---------------------------------------------------
def test_split_pc6_codes_are_those_the_bag_delivers_from_two_municipalities(warehouse):
    delivered, split, pc4_split = query(warehouse, """
        select (select count(*) from (select pc6_code from staging.stg_bag__addresses
                group by 1 having count(distinct municipality_code) > 1) s),
               (select count(*) from (select area_code from marts.dim_areas where area_level = 'pc6'
                group by 1 having count(*) > 1) s),
               (select count(*) from (select area_code from marts.dim_areas where area_level = 'pc4'
                group by 1 having count(*) > 1) s)""")[0]
    assert split == delivered
    assert (pc4_split > 0) == (split > 0)


@pytest.mark.skipif(BORDER_PC6_SHARE == 0,
                    reason="border PC6 areas are off (straatkubus.synth.border.BORDER_PC6_SHARE = 0)")
def test_some_pc6_areas_are_split_over_two_municipalities(warehouse):
    parts = query(warehouse, """
        select pc6_code, count(*), bool_and(st_within(st_pointonsurface(area), st_buffer(p.boundary, 1)))
        from intermediate.int_pc6_areas_derived d
        join staging.stg_cbs__pc4_areas p using (pc4_code)
        group by 1 having count(*) > 1""")
    assert len(parts) >= 1
    assert all(count == 2 and inside for _, count, inside in parts)
