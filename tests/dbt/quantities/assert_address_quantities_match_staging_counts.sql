-- Per municipality and complete year (int_register_years), the address quantities
-- add up to what staging holds: every registered person, every household and every
-- BAG dwelling is counted once, at an address of the municipality that registers it.
with

address_quantities as (

    select * from {{ ref('int_address_quantities') }}

),

persons as (

    select * from {{ ref('stg_brp__persons') }}

),

addresses as (

    select * from {{ ref('stg_bag__addresses') }}

),

register_years as (

    select * from {{ ref('int_register_years') }}
    where is_complete

),

quantity_totals as (

    select
        municipality_code,
        period_year,
        sum(inhabitants) as inhabitants,
        sum(households) as households,
        sum(dwellings) as dwellings

    from address_quantities
    group by municipality_code, period_year

),

person_totals as (

    select
        municipality_code,
        period_year,
        count(*) as inhabitants,
        count(distinct household_id) as households

    from persons
    where (municipality_code, period_year) in (
        select
            register_years.municipality_code,
            register_years.period_year
        from register_years
    )
    group by municipality_code, period_year

),

dwelling_totals as (

    select
        municipality_code,
        period_year,
        count(*) as dwellings

    from addresses
    where
        is_residential
        and (municipality_code, period_year) in (
            select
                register_years.municipality_code,
                register_years.period_year
            from register_years
        )
    group by municipality_code, period_year

),

staging_totals as (

    select
        coalesce(
            person_totals.municipality_code, dwelling_totals.municipality_code
        ) as municipality_code,
        coalesce(
            person_totals.period_year, dwelling_totals.period_year
        ) as period_year,
        coalesce(person_totals.inhabitants, 0) as inhabitants,
        coalesce(person_totals.households, 0) as households,
        coalesce(dwelling_totals.dwellings, 0) as dwellings

    from person_totals
    full outer join dwelling_totals
        on
            person_totals.municipality_code = dwelling_totals.municipality_code
            and person_totals.period_year = dwelling_totals.period_year

),

final as (

    select
        coalesce(
            quantity_totals.municipality_code, staging_totals.municipality_code
        ) as municipality_code,
        coalesce(
            quantity_totals.period_year, staging_totals.period_year
        ) as period_year,
        quantity_totals.inhabitants as quantity_inhabitants,
        staging_totals.inhabitants as staging_inhabitants,
        quantity_totals.households as quantity_households,
        staging_totals.households as staging_households,
        quantity_totals.dwellings as quantity_dwellings,
        staging_totals.dwellings as staging_dwellings

    from quantity_totals
    full outer join staging_totals
        on
            quantity_totals.municipality_code = staging_totals.municipality_code
            and quantity_totals.period_year = staging_totals.period_year
    where
        quantity_totals.inhabitants is distinct from staging_totals.inhabitants
        or quantity_totals.households is distinct from staging_totals.households
        or quantity_totals.dwellings is distinct from staging_totals.dwellings

)

select * from final
