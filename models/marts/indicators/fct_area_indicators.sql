-- depends_on: {{ ref('int_register_years') }}
{#- Superset reads fct_area_signals, not this model: no indexes (uniqueness is a data
    test). The two reads of the protected quantities are two CTEs, so that both are
    inlined with their statistics; even so the planner prefers a nested loop and merge
    joins over the 1.5 M rows, where hashing them is several times faster. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period_year',
    on_schema_change='fail',
    pre_hook=planner_settings({
        'enable_nestloop': 'off',
        'enable_mergejoin': 'off',
    }),
) }}

-- The published indicators: one row per area, period and indicator at every level,
-- after primary and secondary suppression and rounding. A withheld cell shows no
-- number, only its Dutch reason. An event rate of a year whose registers are
-- incomplete has the denominator of the latest complete year, and says so.
-- Incremental by year: see macros/incremental/rebuilt_years.sql.
with

cells as (

    {{ rebuilt_years_of(ref('int_area_indicator_cells')) }}

),

numerator_states as (

    {{ rebuilt_years_of(ref('int_area_quantities_protected')) }}

),

-- the rebuilt years' denominators, of an earlier year where theirs are incomplete
denominator_states as (

    {{ rebuilt_years_of(
        ref('int_area_quantities_protected'),
        register_years=ref('int_register_years'),
    ) }}

),

indicators as (

    select * from {{ ref('int_indicators_with_thresholds') }}

),

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

),

areas as (

    select * from {{ ref('int_areas_with_parent_ids') }}

),

decided as (

    select
        cells.*,
        areas.area_level,
        areas.area_code,
        areas.municipality_code,
        indicators.indicator_code,
        indicators.unit,
        indicators.sensitivity_tier,
        indicators.min_cell_size,
        indicators.min_denominator,
        denominator_quantities.source as denominator_source,
        numerators.is_hidden
        or coalesce(denominators.is_hidden, false)
        or cells.lacks_denominator_year as is_suppressed,
        {{ rounded(
            'cells.numerator', 'indicators.rounding_base'
        ) }} as published_numerator,
        {{ rounded(
            'cells.denominator', 'indicators.denominator_rounding_base'
        ) }} as published_denominator

    from cells
    inner join indicators on cells.indicator_id = indicators.indicator_id
    inner join areas on cells.area_id = areas.area_id
    inner join numerator_states as numerators
        on
            cells.area_id = numerators.area_id
            and cells.period_id = numerators.period_id
            and indicators.numerator_quantity_id = numerators.quantity_id
    left join denominator_states as denominators
        on
            cells.area_id = denominators.area_id
            and cells.denominator_period_id = denominators.period_id
            and indicators.denominator_quantity_id = denominators.quantity_id
    left join indicator_quantities as denominator_quantities
        on
            indicators.denominator_quantity_code
            = denominator_quantities.quantity_code

),

ruled as (

    select
        *,
        {{ suppression_rule(
            'is_suppressed', 'primary_rule', 'lacks_denominator_year'
        ) }} as suppression_rule

    from decided

),

final as (

    select
        area_level,
        area_code,
        municipality_code,
        {{ period_code(
            year_of_period_id('period_id'), month_of_period_id('period_id')
        ) }} as period_code,
        period_year::integer as period_year,
        {{ month_of_period_id('period_id') }}::integer as period_month,
        indicator_code,
        sensitivity_tier,
        (case when not is_suppressed then published_numerator end)::numeric(16, 2)
            as numerator,
        (case when not is_suppressed then published_denominator end)::numeric(16, 2)
            as denominator,
        (case
            when not is_suppressed
                then {{ indicator_value(
                    'published_numerator', 'published_denominator', 'unit'
                ) }}
        end)::numeric(16, 1) as value,
        is_suppressed,
        suppression_rule,
        {{ suppression_reason_text(
            'suppression_rule', 'period_year', 'min_cell_size', 'min_denominator'
        ) }} as suppression_reason,
        case
            when denominator_period_id <> {{ period_id('period_year', 'null') }}
                then
                    'Noemer: ' || {{ register_label('denominator_source') }}
                    || ' ' || {{ year_of_period_id('denominator_period_id') }}
                    || ' (de registers van '
                    || period_year || ' zijn nog niet compleet)'
        end as denominator_note

    from ruled

)

select * from final
