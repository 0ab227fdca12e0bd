{{ config(materialized='table') }}

-- Care quantities per PC6, municipality and year: the insurer delivers them already
-- aggregated per postcode; insurers (should there be more than one) are added up.
-- Only years whose register deliveries are complete for the municipality count.
with

care_consumption as (

    select * from {{ ref('stg_insurer__care_consumption') }}

),

register_years as (

    select * from {{ ref('int_register_years') }}

),

final as (

    select
        care_consumption.pc6_code,
        care_consumption.municipality_code,
        care_consumption.period_year,
        sum(care_consumption.insured_persons)::bigint as insured_persons,
        sum(care_consumption.mental_health_clients)::bigint as mental_health_clients,
        sum(care_consumption.care_costs_eur)::numeric as care_costs_eur

    from care_consumption
    inner join register_years
        on
            care_consumption.municipality_code = register_years.municipality_code
            and care_consumption.period_year = register_years.period_year
            and register_years.is_complete
    group by
        care_consumption.pc6_code,
        care_consumption.municipality_code,
        care_consumption.period_year

)

select * from final
