{#- The unique index on area_id lets the views over the signal marts leave out the join
    with this table when a query uses none of its columns; the table is small enough
    that every other read is a scan. -#}
{{ config(
    materialized='table',
    indexes=[{'columns': ['area_id'], 'unique': true}],
) }}

-- One row per area at every level: PC6 and PC4 parts (a postcode crossing a municipal
-- border is one area per municipality), wijken, gemeenten and the regio. Boundaries are
-- published as WGS84 GeoJSON, simplified (a few metres for PC6, more for larger areas)
-- and with 5 decimals (about 1 m: more digits only make every map request bigger); the
-- centre is the centroid, or a point on the surface where the centroid falls outside
-- the area.
{%- set simplify_pc6_m = 2 %}
{%- set simplify_m = 20 %}
{%- set geojson_decimals = 5 %}
{% call computed_in_postgresql() %}
with

pc6_parts as (

    select * from {{ ref('int_pc6_areas_derived') }}

),

wijken as (

    select * from {{ ref('stg_cbs__wijken') }}

),

municipality_areas as (

    select * from {{ ref('stg_cbs__municipality_areas') }}

),

municipality_figures as (

    select * from {{ ref('stg_cbs__municipality_figures') }}

),

municipality_names as (

    select distinct on (municipality_code)
        municipality_code,
        municipality_name

    from municipality_figures
    order by municipality_code asc, period_year desc

),

pc6_areas as (

    select
        'pc6' as area_level,
        pc6_code as area_code,
        municipality_code,
        pc6_code as area_name,
        pc4_code,
        case when is_within_one_wijk then wijk_code end as wijk_code,
        area as boundary,
        {{ simplify_pc6_m }} as simplify_tolerance_m

    from pc6_parts

),

pc4_areas as (

    -- the cells of a PC4's PC6 parts tile the PC4: their union per municipality
    select
        'pc4' as area_level,
        pc4_code as area_code,
        municipality_code,
        pc4_code as area_name,
        pc4_code,
        null as wijk_code,
        st_collectionextract(st_union(cell), 3) as boundary,
        {{ simplify_m }} as simplify_tolerance_m

    from pc6_parts
    group by pc4_code, municipality_code

),

wijk_areas as (

    select
        'wijk' as area_level,
        wijk_code as area_code,
        municipality_code,
        wijk_name as area_name,
        null as pc4_code,
        wijk_code,
        boundary,
        {{ simplify_m }} as simplify_tolerance_m

    from wijken

),

gemeente_areas as (

    select
        'gemeente' as area_level,
        municipality_areas.municipality_code as area_code,
        municipality_areas.municipality_code,
        municipality_names.municipality_name as area_name,
        null as pc4_code,
        null as wijk_code,
        municipality_areas.boundary,
        {{ simplify_m }} as simplify_tolerance_m

    from municipality_areas
    left join municipality_names
        on municipality_areas.municipality_code = municipality_names.municipality_code

),

regio_area as (

    select
        'regio' as area_level,
        'parkstad' as area_code,
        null as municipality_code,
        'Parkstad Limburg' as area_name,
        null as pc4_code,
        null as wijk_code,
        st_collectionextract(st_union(boundary), 3) as boundary,
        {{ simplify_m }} as simplify_tolerance_m

    from municipality_areas

),

all_areas as (

    select * from pc6_areas
    union all
    select * from pc4_areas
    union all
    select * from wijk_areas
    union all
    select * from gemeente_areas
    union all
    select * from regio_area

),

with_centre as (

    select
        all_areas.*,
        case
            when st_intersects(all_areas.boundary, st_centroid(all_areas.boundary))
                then st_centroid(all_areas.boundary)
            else st_pointonsurface(all_areas.boundary)
        end as centre

    from all_areas

),

final as (

    select
        -- the areas' integer key, for the facts' joins (stable while the areas are)
        (row_number() over (
            order by
                with_centre.area_level,
                with_centre.area_code,
                with_centre.municipality_code
        ))::integer as area_id,
        with_centre.area_level::text as area_level,
        with_centre.area_code::text as area_code,
        with_centre.municipality_code::text as municipality_code,
        with_centre.area_name::text as area_name,
        municipality_names.municipality_name::text as municipality_name,
        with_centre.pc4_code::text as pc4_code,
        with_centre.wijk_code::text as wijk_code,
        -- snapped to the grid of the decimals written, staying valid (rounding
        -- alone left a few PC6 slivers self-intersecting)
        st_asgeojson(
            st_reduceprecision(
                st_transform(
                    st_simplifypreservetopology(
                        with_centre.boundary, with_centre.simplify_tolerance_m
                    ),
                    4326
                ),
                1e-{{ geojson_decimals }}
            ),
            {{ geojson_decimals }}
        )::text as area_geojson,
        st_x(st_transform(with_centre.centre, 4326))::double precision
            as centroid_longitude,
        st_y(st_transform(with_centre.centre, 4326))::double precision
            as centroid_latitude

    from with_centre
    left join municipality_names
        on with_centre.municipality_code = municipality_names.municipality_code

)

select * from final
{% endcall %}
