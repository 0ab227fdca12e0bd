-- The municipality mart counts the same inhabitants as the PC6 counts add up to (every
-- registered person lives at an address of the municipality that registers them).
with

municipality_inhabitants as (

    select
        municipality_code,
        period_year,
        numerator as inhabitants

    from {{ ref('int_municipality_indicator_counts') }}
    where indicator_code = 'inwoners'

),

pc6_inhabitants as (

    select
        municipality_code,
        period_year,
        sum(numerator) as inhabitants

    from {{ ref('int_pc6_indicator_counts') }}
    where indicator_code = 'inwoners'
    group by municipality_code, period_year

),

final as (

    select
        coalesce(
            municipality_inhabitants.municipality_code,
            pc6_inhabitants.municipality_code
        ) as municipality_code,
        coalesce(
            municipality_inhabitants.period_year, pc6_inhabitants.period_year
        ) as period_year,
        municipality_inhabitants.inhabitants as municipality_count,
        pc6_inhabitants.inhabitants as pc6_count

    from municipality_inhabitants
    full outer join pc6_inhabitants
        on
            municipality_inhabitants.municipality_code
            = pc6_inhabitants.municipality_code
            and municipality_inhabitants.period_year = pc6_inhabitants.period_year
    where
        municipality_inhabitants.inhabitants
        is distinct from pc6_inhabitants.inhabitants

)

select * from final
