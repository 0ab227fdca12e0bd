{{ config(
    materialized='view',
    post_hook=["{{ security_invoker(this) }}"],
) }}

-- The border zone as the Regio Parkstad dashboard reads it: fct_border_zone_pc6_values
-- with the PC6 area's name and geometry, its municipality's name (dim_areas), the
-- indicator's name, theme and unit (dim_indicators) and the reason a value is withheld
-- spelled out. A view with the reader's rights, so the row-level security of
-- fct_border_zone_pc6_values applies (macros/access/security_invoker.sql).
-- No CTEs: a view of plain joins is merged into each dashboard query, so the
-- planner joins only what the query uses.
select
    border_zone.viewer_municipality_code,
    border_zone.distance_m,
    border_zone.area_level,
    border_zone.area_code,
    border_zone.municipality_code,
    areas.area_name,
    areas.municipality_name,
    border_zone.period_code,
    border_zone.period_year,
    border_zone.period_month,
    border_zone.indicator_code,
    indicators.indicator_name,
    indicators.theme,
    indicators.unit,
    border_zone.sensitivity_tier,
    border_zone.value,
    border_zone.is_suppressed,
    {{ suppression_reason_text(
        'border_zone.suppression_rule',
        'border_zone.period_year',
        'indicators.min_cell_size',
        'indicators.min_denominator',
    ) }} as suppression_reason,
    border_zone.index_parkstad,
    border_zone.z_score_parkstad,
    border_zone.risk_score,
    border_zone.is_signal::integer as is_signal,
    areas.area_geojson,
    areas.centroid_longitude,
    areas.centroid_latitude

from {{ ref('fct_border_zone_pc6_values') }} as border_zone
-- left joins on unique keys, so that a query using no column of a dimension does not
-- join it; every stored row has both
-- (tests/dbt/signals/assert_stored_signals_match_their_dimensions.sql)
left join {{ ref('dim_indicators') }} as indicators
    on border_zone.indicator_code = indicators.indicator_code
left join {{ ref('dim_areas') }} as areas on border_zone.area_id = areas.area_id
