{{ config(
    materialized='table',
    indexes=[
        {
            'columns': ['municipality_code', 'period_year', 'indicator_code'],
            'unique': true,
        },
    ],
) }}

-- One row per municipality, period and indicator: the calibration indicators that CBS
-- also publishes, with primary small-cell suppression applied. For an average (unit
-- euro) only the size of the group decides: its numerator is a sum, not people.
with

indicator_counts as (

    select * from {{ ref('int_municipality_indicator_counts') }}

),

indicators as (

    select * from {{ ref('indicators') }}

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

with_reason as (

    select
        indicator_counts.*,
        indicators.indicator_name,
        indicators.theme,
        indicators.unit,
        {{ suppression_reason(
            "case when indicators.unit <> 'euro' "
            ~ "then indicator_counts.numerator end",
            'indicator_counts.denominator',
            "greatest(indicators.min_cell_size, " ~ var('min_cell_size') ~ ")"
        ) }} as suppression_reason

    from indicator_counts
    inner join indicators
        on indicator_counts.indicator_code = indicators.indicator_code

),

final as (

    select
        with_reason.municipality_code,
        municipality_names.municipality_name,
        with_reason.period_year,
        with_reason.indicator_code,
        with_reason.indicator_name,
        with_reason.theme,
        with_reason.unit,
        {{ published('with_reason.numerator', 'with_reason.suppression_reason') }}
            as numerator,
        {{ published('with_reason.denominator', 'with_reason.suppression_reason') }}
            as denominator,
        {{ published(
            indicator_value(
                'with_reason.numerator', 'with_reason.denominator', 'with_reason.unit'
            ),
            'with_reason.suppression_reason'
        ) }}::numeric(14, 1) as value,
        with_reason.suppression_reason is not null as is_suppressed,
        with_reason.suppression_reason

    from with_reason
    inner join municipality_names
        on with_reason.municipality_code = municipality_names.municipality_code

)

select * from final
