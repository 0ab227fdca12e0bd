{{ config(
    materialized='table',
    indexes=[
        {'columns': ['municipality_code', 'indicator_code', 'period_year']},
        {'columns': ['pc6_code']},
    ],
) }}

-- One row per PC6, municipality, period and indicator, ready for the map: published
-- values only (suppressed cells carry their reason), with the PC6 area as GeoJSON.
with

indicator_cells as (

    select * from {{ ref('int_pc6_indicators_suppressed') }}

),

pc6_areas as (

    select * from {{ ref('int_pc6_areas_derived') }}

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

indicators as (

    select * from {{ ref('indicators') }}

),

final as (

    select
        indicator_cells.pc6_code,
        pc6_areas.pc4_code,
        indicator_cells.municipality_code,
        municipality_names.municipality_name,
        indicator_cells.period_year,
        indicator_cells.indicator_code,
        indicators.indicator_name,
        indicators.theme,
        indicators.unit,
        indicator_cells.numerator::integer as numerator,
        indicator_cells.denominator::integer as denominator,
        indicator_cells.value::numeric(14, 1) as value,
        indicator_cells.is_suppressed,
        indicator_cells.suppression_reason,
        pc6_areas.area_geojson,
        pc6_areas.centroid_longitude,
        pc6_areas.centroid_latitude

    from indicator_cells
    inner join pc6_areas on indicator_cells.pc6_code = pc6_areas.pc6_code
    inner join municipality_names
        on indicator_cells.municipality_code = municipality_names.municipality_code
    inner join indicators
        on indicator_cells.indicator_code = indicators.indicator_code

)

select * from final
