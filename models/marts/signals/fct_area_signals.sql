{{ config(
    materialized='view',
    post_hook=["{{ security_invoker(this) }}"],
) }}

-- Map-ready signals as the dashboards read them: fct_area_signal_values with the
-- area's names and geometry (dim_areas), the indicator's name, theme, unit and
-- polarity (dim_indicators) and the reason a value is withheld spelled out. A view
-- with the reader's rights, so the row-level security of fct_area_signal_values
-- applies (macros/access/security_invoker.sql).
-- No CTEs: a view of plain joins is merged into each dashboard query, so the
-- planner joins only what the query uses.
select
    signals.area_level,
    signals.area_code,
    signals.municipality_code,
    areas.area_name,
    areas.municipality_name,
    signals.period_code,
    signals.period_year,
    signals.period_month,
    signals.indicator_code,
    signals.indicator_name,
    indicators.theme,
    indicators.unit,
    signals.sensitivity_tier,
    indicators.is_higher_worse,
    signals.value,
    signals.is_suppressed,
    {{ suppression_reason_text(
        'signals.suppression_rule',
        'signals.period_year',
        'indicators.min_cell_size',
        'indicators.min_denominator',
    ) }} as suppression_reason,
    signals.denominator_note,
    signals.previous_value,
    signals.value_change,
    signals.change_pct,
    signals.municipality_value,
    signals.parkstad_value,
    signals.index_municipality,
    signals.index_parkstad,
    signals.z_score_municipality,
    signals.z_score_parkstad,
    signals.risk_score,
    signals.is_worst_decile,
    signals.is_sharp_rise,
    signals.is_signal::integer as is_signal,
    areas.area_geojson,
    areas.centroid_longitude,
    areas.centroid_latitude

from {{ ref('fct_area_signal_values') }} as signals
-- left joins on unique keys, so that a query using no column of a dimension does not
-- join it; every stored row has both
-- (tests/dbt/signals/assert_stored_signals_match_their_dimensions.sql)
left join {{ ref('dim_indicators') }} as indicators
    on signals.indicator_code = indicators.indicator_code
left join {{ ref('dim_areas') }} as areas on signals.area_id = areas.area_id
