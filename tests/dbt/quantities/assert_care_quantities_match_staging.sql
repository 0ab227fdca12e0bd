-- Per municipality and complete year (int_register_years), the care quantities add up
-- to the insurer's deliveries.
with

care_quantities as (

    select * from {{ ref('int_pc6_care_quantities') }}

),

care_consumption as (

    select * from {{ ref('stg_insurer__care_consumption') }}

),

quantity_totals as (

    select
        municipality_code,
        period_year,
        sum(insured_persons) as insured_persons,
        sum(mental_health_clients) as mental_health_clients,
        sum(care_costs_eur) as care_costs_eur

    from care_quantities
    group by municipality_code, period_year

),

register_years as (

    select * from {{ ref('int_register_years') }}
    where is_complete

),

staging_totals as (

    select
        municipality_code,
        period_year,
        sum(insured_persons) as insured_persons,
        sum(mental_health_clients) as mental_health_clients,
        sum(care_costs_eur) as care_costs_eur

    from care_consumption
    where (municipality_code, period_year) in (
        select
            register_years.municipality_code,
            register_years.period_year
        from register_years
    )
    group by municipality_code, period_year

),

final as (

    select
        coalesce(
            quantity_totals.municipality_code, staging_totals.municipality_code
        ) as municipality_code,
        coalesce(
            quantity_totals.period_year, staging_totals.period_year
        ) as period_year,
        quantity_totals.insured_persons as quantity_insured_persons,
        staging_totals.insured_persons as staging_insured_persons,
        quantity_totals.care_costs_eur as quantity_care_costs_eur,
        staging_totals.care_costs_eur as staging_care_costs_eur

    from quantity_totals
    full outer join staging_totals
        on
            quantity_totals.municipality_code = staging_totals.municipality_code
            and quantity_totals.period_year = staging_totals.period_year
    where
        quantity_totals.insured_persons is distinct from staging_totals.insured_persons
        or quantity_totals.mental_health_clients
        is distinct from staging_totals.mental_health_clients
        or quantity_totals.care_costs_eur is distinct from staging_totals.care_costs_eur

)

select * from final
