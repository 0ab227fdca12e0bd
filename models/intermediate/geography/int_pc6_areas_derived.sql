{{ config(materialized='table', indexes=[{'columns': ['pc6_code'], 'unique': true}]) }}

-- PC6 polygons do not exist as open data: each PC6 gets the Voronoi cell of the centre
-- of its addresses within its PC4, clipped to the real PC4 boundary. Each area is kept
-- one simple polygon (its largest part, without holes) so that map layers can draw it.
-- The areas are derived once from the address locations of all periods, so that a PC6
-- keeps one area through the years.
with

addresses as (

    select * from {{ ref('stg_bag__addresses') }}

),

pc4_areas as (

    select * from {{ ref('stg_cbs__pc4_areas') }}

),

address_locations as (

    -- one location per address and PC6: its latest delivered point
    select distinct on (address_id, pc6_code)
        address_id,
        pc6_code,
        pc4_code,
        municipality_code,
        address_point

    from addresses
    order by address_id asc, pc6_code asc, period_year desc

),

pc6_centres as (

    select
        pc6_code,
        pc4_code,
        mode() within group (order by municipality_code) as municipality_code,
        count(*) as address_count,
        st_centroid(st_collect(address_point)) as centre

    from address_locations
    group by pc6_code, pc4_code

),

voronoi_cells as (

    select
        pc6_centres.pc4_code,
        (
            st_dump(
                st_voronoipolygons(
                    st_collect(pc6_centres.centre), 0, pc4_areas.boundary
                )
            )
        ).geom as cell

    from pc6_centres
    inner join pc4_areas on pc6_centres.pc4_code = pc4_areas.pc4_code
    group by pc6_centres.pc4_code, pc4_areas.boundary

),

clipped as (

    select distinct on (pc6_centres.pc6_code)
        pc6_centres.pc6_code,
        pc6_centres.pc4_code,
        pc6_centres.municipality_code,
        pc6_centres.address_count,
        pc6_centres.centre,
        st_intersection(
            coalesce(voronoi_cells.cell, pc4_areas.boundary), pc4_areas.boundary
        ) as clipped_area

    from pc6_centres
    inner join pc4_areas on pc6_centres.pc4_code = pc4_areas.pc4_code
    left join voronoi_cells
        on
            pc6_centres.pc4_code = voronoi_cells.pc4_code
            and st_intersects(voronoi_cells.cell, pc6_centres.centre)
    order by pc6_centres.pc6_code, voronoi_cells.cell is null

),

largest_parts as (

    select distinct on (clipped.pc6_code)
        clipped.pc6_code,
        clipped.pc4_code,
        clipped.municipality_code,
        clipped.address_count,
        clipped.centre,
        st_makepolygon(st_exteriorring(parts.geom)) as area

    from clipped
    cross join
        lateral st_dump(st_collectionextract(clipped.clipped_area, 3)) as parts
    order by clipped.pc6_code, st_area(parts.geom) desc

),

final as (

    select
        pc6_code,
        pc4_code,
        municipality_code,
        address_count,
        area,
        st_asgeojson(
            st_transform(st_simplifypreservetopology(area, 2), 4326), 6
        ) as area_geojson,
        st_x(st_transform(centre, 4326)) as centroid_longitude,
        st_y(st_transform(centre, 4326)) as centroid_latitude

    from largest_parts

)

select * from final
