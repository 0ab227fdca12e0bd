{{ config(materialized='table', indexes=[{'columns': ['pc6_code']}]) }}

-- Person-level data stops here: persons are counted per address, the finest level
-- every indicator is rolled up from.
with

addresses as (

    select * from {{ ref('stg_bag__addresses') }}

),

persons as (

    select * from {{ ref('stg_brp__persons') }}

),

residents_per_address as (

    select
        address_id,
        period_year,
        count(*) as inhabitants,
        count(*) filter (
            where birth_date <= reference_date - interval '65 years'
        ) as inhabitants_65plus

    from persons
    group by 1, 2

),

final as (

    select
        addresses.address_id,
        addresses.pc6_code,
        addresses.pc4_code,
        addresses.municipality_code,
        addresses.period_year,
        addresses.is_residential,
        coalesce(residents_per_address.inhabitants, 0) as inhabitants,
        coalesce(residents_per_address.inhabitants_65plus, 0)
            as inhabitants_65plus

    from addresses
    left join residents_per_address
        on
            addresses.address_id = residents_per_address.address_id
            and addresses.period_year = residents_per_address.period_year

)

select * from final
