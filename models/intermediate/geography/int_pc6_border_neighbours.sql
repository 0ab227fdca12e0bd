{{ config(
    materialized='table',
    indexes=[{'columns': ['viewer_municipality_code']}],
) }}

-- For each municipality (the viewer), the PC6 parts of other municipalities whose area
-- lies within var('border_zone_distance_m') of the viewer's territory: the border zone
-- a municipality may look across. The distance is 0 where generalised boundaries make
-- a part overlap the viewer's territory. The spatial index on the PC6 areas finds the
-- candidates (st_dwithin compares bounding boxes first).
{% call computed_in_postgresql() %}
with

pc6_parts as (

    select * from {{ ref('int_pc6_areas_derived') }}

),

municipality_areas as (

    select * from {{ ref('stg_cbs__municipality_areas') }}

),

final as (

    select
        municipality_areas.municipality_code as viewer_municipality_code,
        pc6_parts.pc6_code,
        pc6_parts.municipality_code,
        round(
            st_distance(pc6_parts.area, municipality_areas.boundary)::numeric, 1
        ) as distance_m

    from municipality_areas
    inner join pc6_parts
        on
            st_dwithin(
                pc6_parts.area,
                municipality_areas.boundary,
                {{ var('border_zone_distance_m') }}
            )
            and municipality_areas.municipality_code <> pc6_parts.municipality_code

)

select * from final
{% endcall %}
