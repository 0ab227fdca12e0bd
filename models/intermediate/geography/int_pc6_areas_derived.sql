{{ config(
    materialized='table',
    indexes=[
        {'columns': ['pc6_code', 'municipality_code'], 'unique': true},
        {'columns': ['area'], 'type': 'gist'},
    ],
) }}

-- PC6 polygons do not exist as open data. A PC6 whose addresses lie in more than one
-- municipality is split into one part per municipality, and each part gets the Voronoi
-- cell of the centre of its addresses within its PC4, clipped to the real PC4 boundary
-- (a centre outside the PC4 is moved onto its boundary first). Each area is kept one
-- simple polygon (its largest part, without holes) so that map layers can draw it; the
-- whole clipped cell is kept too, for the PC4 parts, whose cells tile the PC4. The
-- areas are derived once from the address locations of all periods, so that a part
-- keeps one area through the years. Its wijk is the wijk holding most of its addresses.
{% call computed_in_postgresql() %}
with

addresses as (

    select * from {{ ref('stg_bag__addresses') }}

),

address_wijken as (

    select * from {{ ref('int_addresses_assigned_to_wijken') }}

),

pc4_areas as (

    select * from {{ ref('stg_cbs__pc4_areas') }}

),

address_locations as (

    -- one location per address and part: its latest delivered point
    select distinct on (address_id, pc6_code, municipality_code)
        address_id,
        pc6_code,
        pc4_code,
        municipality_code,
        address_point

    from addresses
    order by
        address_id asc, pc6_code asc, municipality_code asc, period_year desc

),

part_centres as (

    select
        pc6_code,
        pc4_code,
        municipality_code,
        count(*) as address_count,
        st_centroid(st_collect(address_point)) as centre

    from address_locations
    group by pc6_code, pc4_code, municipality_code

),

part_sites as (

    -- the Voronoi site: the centre, or the nearest point of the PC4 outside it
    select
        part_centres.*,
        case
            when st_intersects(pc4_areas.boundary, part_centres.centre)
                then part_centres.centre
            else st_closestpoint(pc4_areas.boundary, part_centres.centre)
        end as site

    from part_centres
    inner join pc4_areas on part_centres.pc4_code = pc4_areas.pc4_code

),

part_wijk_addresses as (

    -- addresses of each part per wijk, over all periods
    select
        pc6_code,
        municipality_code,
        wijk_code,
        count(distinct address_id) as address_count

    from address_wijken
    group by pc6_code, municipality_code, wijk_code

),

part_wijken as (

    select distinct on (pc6_code, municipality_code)
        pc6_code,
        municipality_code,
        wijk_code,
        count(*) over (partition by pc6_code, municipality_code) = 1
            as is_within_one_wijk

    from part_wijk_addresses
    order by pc6_code asc, municipality_code asc, address_count desc, wijk_code asc

),

voronoi_cells as (

    select
        part_sites.pc4_code,
        (
            st_dump(
                st_voronoipolygons(
                    st_collect(part_sites.site), 0, pc4_areas.boundary
                )
            )
        ).geom as cell

    from part_sites
    inner join pc4_areas on part_sites.pc4_code = pc4_areas.pc4_code
    group by part_sites.pc4_code, pc4_areas.boundary

),

clipped as (

    select distinct on (part_sites.pc6_code, part_sites.municipality_code)
        part_sites.pc6_code,
        part_sites.pc4_code,
        part_sites.municipality_code,
        part_sites.address_count,
        part_sites.centre,
        st_collectionextract(
            st_intersection(
                coalesce(voronoi_cells.cell, pc4_areas.boundary),
                pc4_areas.boundary
            ),
            3
        ) as cell

    from part_sites
    inner join pc4_areas on part_sites.pc4_code = pc4_areas.pc4_code
    left join voronoi_cells
        on
            part_sites.pc4_code = voronoi_cells.pc4_code
            and st_intersects(voronoi_cells.cell, part_sites.site)
    order by
        part_sites.pc6_code,
        part_sites.municipality_code,
        voronoi_cells.cell is null

),

largest_parts as (

    select distinct on (clipped.pc6_code, clipped.municipality_code)
        clipped.pc6_code,
        clipped.pc4_code,
        clipped.municipality_code,
        clipped.address_count,
        clipped.centre,
        clipped.cell,
        st_makepolygon(st_exteriorring(polygons.geom)) as area

    from clipped
    cross join lateral st_dump(clipped.cell) as polygons
    order by
        clipped.pc6_code,
        clipped.municipality_code,
        st_area(polygons.geom) desc

),

final as (

    select
        largest_parts.pc6_code,
        largest_parts.pc4_code,
        largest_parts.municipality_code,
        part_wijken.wijk_code,
        part_wijken.is_within_one_wijk,
        largest_parts.address_count,
        largest_parts.area,
        largest_parts.cell,
        st_asgeojson(
            st_transform(st_simplifypreservetopology(largest_parts.area, 2), 4326),
            6
        ) as area_geojson,
        st_x(st_transform(largest_parts.centre, 4326)) as centroid_longitude,
        st_y(st_transform(largest_parts.centre, 4326)) as centroid_latitude

    from largest_parts
    inner join part_wijken
        on
            largest_parts.pc6_code = part_wijken.pc6_code
            and largest_parts.municipality_code = part_wijken.municipality_code

)

select * from final
{% endcall %}
