{{ config(materialized='table') }}

-- Care quantities per PC6, municipality and year: the insurer delivers them already
-- aggregated per postcode; insurers (should there be more than one) are added up.
with

care_consumption as (

    select * from {{ ref('stg_insurer__care_consumption') }}

),

final as (

    select
        pc6_code,
        municipality_code,
        period_year,
        sum(insured_persons)::bigint as insured_persons,
        sum(mental_health_clients)::bigint as mental_health_clients,
        sum(care_costs_eur)::numeric as care_costs_eur

    from care_consumption
    group by pc6_code, municipality_code, period_year

)

select * from final
