-- No published cell breaks a primary rule: every published group reaches its minimum;
-- every published count of people with (or, for shares, without) the characteristic is
-- zero or at least the indicator's minimum cell size; a rounded count is a multiple of
-- its base and at least the minimum (its rounding hides the exact complement).
with

published as (

    select * from {{ ref('fct_area_indicators') }}
    where not is_suppressed and {{ in_rebuilt_years('period_year') }}

),

indicators as (

    select * from {{ ref('dim_indicators') }}

),

final as (

    select
        published.area_level,
        published.area_code,
        published.municipality_code,
        published.period_code,
        published.indicator_code,
        published.numerator,
        published.denominator,
        indicators.min_cell_size,
        indicators.min_denominator

    from published
    inner join indicators
        on published.indicator_code = indicators.indicator_code
    where
        case
            when indicators.group_quantity_code = indicators.numerator_quantity_code
                then published.numerator
            else published.denominator
        end < indicators.min_denominator
        or (
            indicators.rounding_base > 0
            and (
                published.numerator < indicators.min_cell_size
                or mod(published.numerator, indicators.rounding_base) <> 0
            )
        )
        or (
            indicators.rounding_base = 0
            and indicators.unit <> 'euro'
            and published.numerator between 1 and indicators.min_cell_size - 1
        )
        or (
            indicators.rounding_base = 0
            and indicators.is_share
            and published.denominator - published.numerator
            between 1 and indicators.min_cell_size - 1
        )

)

select * from final
