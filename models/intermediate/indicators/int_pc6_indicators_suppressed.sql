-- Indicator values with primary small-cell suppression applied: a suppressed cell keeps
-- its reason and loses its numerator, denominator and value.
with

counts as (

    select * from {{ ref('int_pc6_indicator_counts') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

with_reason as (

    select
        counts.*,
        indicators.unit,
        {{ suppression_reason(
            'counts.numerator',
            'counts.denominator',
            "greatest(indicators.min_cell_size, " ~ var('min_cell_size') ~ ")"
        ) }} as suppression_reason

    from counts
    inner join indicators on counts.indicator_code = indicators.indicator_code

),

final as (

    select
        pc6_code,
        municipality_code,
        period_year,
        indicator_code,
        {{ published('numerator', 'suppression_reason') }} as numerator,
        {{ published('denominator', 'suppression_reason') }} as denominator,
        {{ published(indicator_value('numerator', 'denominator', 'unit'),
                     'suppression_reason') }} as value,
        suppression_reason is not null as is_suppressed,
        suppression_reason

    from with_reason

)

select * from final
