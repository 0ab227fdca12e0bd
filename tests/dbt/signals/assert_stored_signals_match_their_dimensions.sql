-- The views Superset reads join the stored values with dim_areas (by area_id) and
-- dim_indicators: a value whose area id is unknown, or names another area than the
-- row's keys (a dim_areas rebuilt with other ids), or whose indicator is unknown or
-- stored under another name, would disappear from the dashboards or show another area.
with

signals as (

    -- a rebuilt year's signals, and the next year's, which compare with it
    select * from {{ ref('fct_area_signals') }}
    where {{ in_rebuilt_years('period_year', following=1) }}

),

border_zone as (

    select * from {{ ref('fct_border_zone_pc6') }}
    where {{ in_rebuilt_years('period_year') }}

),

areas as (

    select * from {{ ref('dim_areas') }}

),

indicators as (

    select * from {{ ref('dim_indicators') }}

),

shown as (

    select
        'fct_area_signals' as relation_name,
        area_level,
        area_code,
        municipality_code,
        area_geojson,
        indicator_code,
        indicator_name,
        theme
    from signals

    union all

    select
        'fct_border_zone_pc6' as relation_name,
        area_level,
        area_code,
        municipality_code,
        area_geojson,
        indicator_code,
        indicator_name,
        theme
    from border_zone

),

final as (

    select shown.*
    from shown
    left join areas
        on
            shown.area_level = areas.area_level
            and shown.area_code = areas.area_code
            and coalesce(shown.municipality_code, '')
            = coalesce(areas.municipality_code, '')
    left join indicators on shown.indicator_code = indicators.indicator_code
    where
        shown.area_geojson is null
        or shown.theme is null
        or areas.area_id is null
        or shown.area_geojson <> areas.area_geojson
        or shown.indicator_name <> indicators.indicator_name

)

select * from final
