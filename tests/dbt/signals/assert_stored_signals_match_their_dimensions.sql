-- The views Superset reads join the stored values with dim_areas (by area_id) and
-- dim_indicators: a value whose area id is unknown, or names another area than the
-- row's keys (a dim_areas rebuilt with other ids), or whose indicator is unknown or
-- differently named, would disappear from the dashboards or show another area.
with

signal_values as (

    -- a rebuilt year's signals, and the next year's, which compare with it
    select * from {{ ref('fct_area_signal_values') }}
    where {{ in_rebuilt_years('period_year', following=1) }}

),

border_zone_values as (

    select * from {{ ref('fct_border_zone_pc6_values') }}
    where {{ in_rebuilt_years('period_year') }}

),

areas as (

    select * from {{ ref('dim_areas') }}

),

indicators as (

    select * from {{ ref('dim_indicators') }}

),

stored as (

    select
        'fct_area_signal_values' as relation_name,
        area_level,
        area_code,
        municipality_code,
        area_id,
        indicator_code,
        indicator_name
    from signal_values

    union all

    select
        'fct_border_zone_pc6_values' as relation_name,
        area_level,
        area_code,
        municipality_code,
        area_id,
        indicator_code,
        null as indicator_name
    from border_zone_values

),

final as (

    select stored.*
    from stored
    left join areas on stored.area_id = areas.area_id
    left join indicators on stored.indicator_code = indicators.indicator_code
    where
        areas.area_id is null
        or indicators.indicator_code is null
        or stored.area_level <> areas.area_level
        or stored.area_code <> areas.area_code
        or coalesce(stored.municipality_code, '')
        <> coalesce(areas.municipality_code, '')
        or stored.indicator_name <> indicators.indicator_name

)

select * from final
