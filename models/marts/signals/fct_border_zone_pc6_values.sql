{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period_year',
    on_schema_change='fail',
    indexes=[{'columns': ['viewer_municipality_code', 'period_code', 'indicator_code']}],
) }}

-- The border zone, each fact stored once: for each municipality (the viewer), the PC6
-- areas of its neighbours within var('border_zone_distance_m') of its boundary, with
-- their openbaar signals, so that a municipality sees what happens just across its
-- border and nothing more. Names, geometry and texts are joined by the view
-- fct_border_zone_pc6, which Superset reads. Incremental by year: see
-- macros/incremental/rebuilt_years.sql.
with

neighbours as (

    select * from {{ ref('int_pc6_border_neighbours') }}

),

signals as (

    select * from {{ ref('fct_area_signal_values') }}
    where
        area_level = 'pc6'
        and sensitivity_tier = 'openbaar'
        and {{ in_rebuilt_years_if_incremental('period_year') }}

),

final as (

    select
        neighbours.viewer_municipality_code,
        neighbours.distance_m::numeric(10, 1) as distance_m,
        signals.area_level,
        signals.area_code,
        signals.municipality_code,
        signals.area_id,
        signals.period_code,
        signals.period_year,
        signals.period_month,
        signals.indicator_code,
        signals.sensitivity_tier,
        signals.value,
        signals.is_suppressed,
        signals.suppression_rule,
        signals.index_parkstad,
        signals.z_score_parkstad,
        signals.risk_score,
        signals.is_signal

    from neighbours
    inner join signals
        on
            neighbours.pc6_code = signals.area_code
            and neighbours.municipality_code = signals.municipality_code

)

select * from final
order by viewer_municipality_code, period_code, indicator_code
