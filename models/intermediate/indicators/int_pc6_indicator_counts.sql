-- Numerator and denominator of every indicator per PC6, municipality and period (long).
with

addresses as (

    select * from {{ ref('int_addresses_with_residents') }}

),

per_pc6 as (

    select
        pc6_code,
        municipality_code,
        period_year,
        sum(inhabitants) as inhabitants,
        sum(inhabitants_65plus) as inhabitants_65plus

    from addresses
    group by pc6_code, municipality_code, period_year

),

final as (

    select
        pc6_code,
        municipality_code,
        period_year,
        'inwoners' as indicator_code,
        inhabitants as numerator,
        null::bigint as denominator
    from per_pc6

    union all

    select
        pc6_code,
        municipality_code,
        period_year,
        'pct_65plus' as indicator_code,
        inhabitants_65plus as numerator,
        inhabitants as denominator
    from per_pc6

)

select * from final
