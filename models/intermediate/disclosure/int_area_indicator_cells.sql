{#- Sorting both sides of the quantity self-join for a merge join costs more than
    hashing them. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period_year',
    on_schema_change='fail',
    pre_hook=["set local enable_mergejoin = off"],
) }}

-- Every indicator cell (area, period, indicator) before any suppression: its true
-- numerator, denominator and group size, the thresholds that apply to it, and the
-- primary rule it breaks, if any. Monthly cells exist for event indicators; their
-- denominator is the year's (inhabitants or dwellings on 1 January). Incremental by
-- year: see macros/incremental.sql.
with

quantities as (

    select * from {{ ref('int_area_quantities') }}
    {%- if is_incremental() %}
        where {{ in_rebuilt_years('period_year') }}
    {%- endif %}

),

indicators as (

    select * from {{ ref('indicators') }}

),

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

),

catalogue as (

    select
        indicators.indicator_code,
        indicators.unit,
        indicators.is_share,
        indicators.numerator_quantity_code,
        indicators.denominator_quantity_code,
        indicators.group_quantity_code,
        numerator_quantities.is_event,
        {{ zero_is_secret('indicators.sensitivity_tier') }} as is_zero_secret,
        {{ effective_min_cell_size('indicators') }} as min_cell_size,
        {{ effective_min_denominator('indicators') }} as min_denominator,
        {{ effective_rounding_base(
            'numerator_quantities.rounding_base', "indicators.unit = 'euro'"
        ) }} as rounding_base

    from indicators
    inner join indicator_quantities as numerator_quantities
        on indicators.numerator_quantity_code = numerator_quantities.quantity_code

),

cells as (

    select
        numerators.area_key as numerator_area_key,
        numerators.area_level,
        numerators.area_code,
        numerators.municipality_code,
        numerators.period_code,
        numerators.period_year,
        numerators.period_month,
        catalogue.indicator_code,
        catalogue.unit,
        catalogue.is_share,
        catalogue.numerator_quantity_code,
        catalogue.denominator_quantity_code,
        catalogue.group_quantity_code,
        -- a month's denominator is its year's
        numerators.period_year::text as denominator_period_code,
        catalogue.min_cell_size,
        catalogue.min_denominator,
        catalogue.rounding_base,
        catalogue.is_zero_secret,
        numerators.amount as numerator,
        denominators.amount as denominator

    from quantities as numerators
    inner join catalogue
        on numerators.quantity_code = catalogue.numerator_quantity_code
    left join quantities as denominators
        on
            numerators.area_key = denominators.area_key
            and numerators.period_year::text = denominators.period_code
            and catalogue.denominator_quantity_code = denominators.quantity_code
    where numerators.period_month is null or catalogue.is_event

),

final as (

    select
        *,
        {{ primary_suppression_rule(
            numerator='numerator',
            denominator='denominator',
            group_size=(
                'case when group_quantity_code = numerator_quantity_code '
                ~ 'then numerator else denominator end'
            ),
            min_cell_size='min_cell_size',
            min_denominator='min_denominator',
            is_share='is_share',
            is_amount="unit = 'euro'",
            rounding_base='rounding_base',
            zero_is_secret='is_zero_secret',
        ) }} as primary_rule

    from cells

)

select * from final
