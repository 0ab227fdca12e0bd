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

decided as (

    select
        cells.*,
        indicators.sensitivity_tier,
        denominator_quantities.source as denominator_source,
        numerators.is_hidden
        or coalesce(denominators.is_hidden, false)
        or cells.lacks_denominator_year as is_suppressed,
        {{ rounded('cells.numerator', 'cells.rounding_base') }} as published_numerator,
        {{ rounded(
            'cells.denominator', 'indicators.denominator_rounding_base'
        ) }} as published_denominator

    from cells
    inner join indicators on cells.indicator_code = indicators.indicator_code
    inner join numerator_states as numerators
        on
            cells.numerator_area_key = numerators.area_key
            and cells.period_code = numerators.period_code
            and cells.numerator_quantity_code = numerators.quantity_code
    left join denominator_states as denominators
        on
            cells.numerator_area_key = denominators.area_key
            and cells.denominator_period_code = denominators.period_code
            and cells.denominator_quantity_code = denominators.quantity_code
    left join indicator_quantities as denominator_quantities
        on cells.denominator_quantity_code = denominator_quantities.quantity_code

),

final as (

    select
        area_level,
        area_code,
        municipality_code,
        period_code,
        period_year,
        period_month,
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
        case
            when lacks_denominator_year
                then
                    'Nog niet gepubliceerd: de registers van ' || period_year
                    || ' zijn nog niet compleet'
            when is_suppressed
                then {{ suppression_reason_text(
                    "coalesce(primary_rule, 'secundair')",
                    'min_cell_size',
                    'min_denominator',
                ) }}
        end as suppression_reason,
        case
            when denominator_period_code <> period_year::text
                then
                    'Noemer: ' || {{ register_label('denominator_source') }}
                    || ' ' || denominator_period_code || ' (de registers van '
                    || period_year || ' zijn nog niet compleet)'
        end as denominator_note

    from decided

)

select * from final
