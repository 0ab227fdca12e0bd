{#- Sorting both sides of the quantity self-join for a merge join costs more than
    hashing them. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period_year',
    on_schema_change='fail',
    pre_hook=planner_settings({'enable_mergejoin': 'off'}),
) }}

-- Every indicator cell (area, period, indicator) before any suppression, on compact
-- keys: its true numerator and denominator and the primary rule it breaks, if any.
-- Monthly cells exist for event indicators; their denominator is the year's
-- (inhabitants or dwellings on 1 January). A year whose register deliveries are
-- incomplete for the area's municipality (for the regio level: for any municipality)
-- has event cells only, with the denominator of the latest complete year
-- (int_register_years). Incremental by year: see macros/incremental/rebuilt_years.sql.
with

quantities as (

    {{ rebuilt_years_of(ref('int_area_quantities')) }}

),

register_years as (

    select * from {{ ref('int_register_years') }}

),

-- the years the rebuilt years take denominators from
denominator_quantities as (

    {{ rebuilt_years_of(ref('int_area_quantities'), register_years='register_years') }}

),

catalogue as (

    select * from {{ ref('int_indicators_with_thresholds') }}

),

areas as (

    select * from {{ ref('int_areas_with_parent_ids') }}

),

-- per area (its municipality, or all of Parkstad) and year: complete, or which year
-- gives the denominators
area_years as (

    select
        municipality_code,
        period_year,
        is_complete,
        denominator_year

    from register_years

    union all

    select distinct
        null as municipality_code,
        period_year,
        is_complete_in_parkstad as is_complete,
        parkstad_denominator_year as denominator_year

    from register_years

),

cells as (

    select
        numerators.area_id,
        numerators.period_id,
        -- a month's denominator is its year's, or that of the latest complete year
        {{ period_id(
            'coalesce(area_years.denominator_year, numerators.period_year)', 'null'
        ) }}::integer as denominator_period_id,
        numerators.period_year,
        catalogue.indicator_id,
        catalogue.unit,
        catalogue.is_share,
        catalogue.numerator_quantity_id,
        catalogue.group_quantity_id,
        -- a rate of a year whose registers are incomplete, without an earlier
        -- complete year to take its denominator from
        coalesce(
            not area_years.is_complete
            and area_years.denominator_year is null
            and catalogue.denominator_quantity_id is not null,
            false
        ) as lacks_denominator_year,
        catalogue.min_cell_size,
        catalogue.min_denominator,
        catalogue.rounding_base,
        catalogue.is_zero_secret,
        numerators.amount as numerator,
        -- an area the denominator's year did not have has none there
        case
            when catalogue.denominator_quantity_id is not null
                then coalesce(denominators.amount, 0)
        end as denominator

    from quantities as numerators
    inner join catalogue
        on numerators.quantity_id = catalogue.numerator_quantity_id
    inner join areas
        on numerators.area_id = areas.area_id
    left join area_years
        on
            coalesce(areas.municipality_code, '')
            = coalesce(area_years.municipality_code, '')
            and numerators.period_year = area_years.period_year
    left join denominator_quantities as denominators
        on
            numerators.area_id = denominators.area_id
            and {{ period_id(
                'coalesce(area_years.denominator_year, numerators.period_year)',
                'null',
            ) }} = denominators.period_id
            and catalogue.denominator_quantity_id = denominators.quantity_id
    where
        (
            {{ month_of_period_id('numerators.period_id') }} is null
            or catalogue.is_event
        )
        and (catalogue.is_event or coalesce(area_years.is_complete, true))

),

decided as (

    select
        *,
        {{ primary_suppression_rule(
            numerator='numerator',
            denominator='denominator',
            group_size=(
                'case when group_quantity_id = numerator_quantity_id '
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

),

-- compact keys and the figures only: the catalogue's columns are in
-- int_indicators_with_thresholds (indicator_id)
final as (

    select
        area_id,
        period_id,
        denominator_period_id,
        period_year,
        indicator_id,
        numerator,
        denominator,
        lacks_denominator_year,
        primary_rule

    from decided

)

select * from final
