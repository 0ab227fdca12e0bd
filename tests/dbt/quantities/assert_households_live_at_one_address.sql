{{ config(severity='warn') }}

-- Every BRP household lives at one address: the address quantities count a household,
-- and its members, at that address (the lowest address id should there be more).
with

persons as (

    select * from {{ ref('stg_brp__persons') }}

),

final as (

    select
        municipality_code,
        period_year,
        household_id,
        count(distinct address_id) as addresses

    from persons
    group by municipality_code, period_year, household_id
    having count(distinct address_id) > 1

)

select * from final
