-- Which years are complete: per municipality and every year anything was delivered
-- for, whether all its register deliveries (seeds/register_deliveries.csv) have come,
-- which are still missing, and the latest complete year up to it, which event rates
-- of an incomplete year use as denominator. Parkstad (the regio level) is complete
-- in a year when every municipality is; while only some are, it has no denominator
-- year.
with

deliveries as (

    select * from {{ ref('stg_deliveries__deliveries') }}

),

register_deliveries as (

    select * from {{ ref('register_deliveries') }}

),

years as (

    select distinct period_year
    from deliveries

),

expected as (

    select
        register_deliveries.municipality_code,
        years.period_year,
        register_deliveries.source,
        register_deliveries.sender

    from register_deliveries
    cross join years

),

-- every expected delivery, named (a partner's with the partner) where it is missing
arrivals as (

    select
        expected.municipality_code,
        expected.period_year,
        deliveries.delivery_id is not null as has_arrived,
        expected.source || case
            when expected.sender <> expected.municipality_code
                then ' (' || expected.sender || ')'
            else ''
        end as delivery_name

    from expected
    left join deliveries
        on
            expected.source = deliveries.source
            and expected.sender = deliveries.sender
            and expected.period_year = deliveries.period_year
            and deliveries.period_month is null

),

completeness as (

    select
        municipality_code,
        period_year,
        bool_and(has_arrived) as is_complete,
        string_agg(
            delivery_name, ', ' order by delivery_name
        ) filter (where not has_arrived) as missing_deliveries

    from arrivals
    group by municipality_code, period_year

),

parkstad as (

    select
        period_year,
        bool_and(is_complete) as is_complete_in_parkstad,
        bool_or(is_complete) as is_complete_somewhere

    from completeness
    group by period_year

),

final as (

    select
        completeness.municipality_code,
        completeness.period_year,
        completeness.is_complete,
        completeness.missing_deliveries,
        (
            select max(complete.period_year)
            from completeness as complete
            where
                complete.municipality_code = completeness.municipality_code
                and complete.period_year <= completeness.period_year
                and complete.is_complete
        ) as denominator_year,
        parkstad.is_complete_in_parkstad,
        -- none while some municipalities have the year's registers and others not:
        -- a sum over Parkstad would mix years
        case
            when parkstad.is_complete_in_parkstad
                then parkstad.period_year
            when not parkstad.is_complete_somewhere
                then (
                    select max(complete.period_year)
                    from parkstad as complete
                    where
                        complete.period_year < parkstad.period_year
                        and complete.is_complete_in_parkstad
                )
        end as parkstad_denominator_year

    from completeness
    inner join parkstad on completeness.period_year = parkstad.period_year

)

select * from final
