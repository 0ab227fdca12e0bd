{{ config(materialized='table') }}

-- One row per BAG dwelling (gebruiksdoel woonfunctie) and period, with the WOZ value of
-- that tax year and whether a housing corporation rents it out. Tenancies carry no BAG
-- id: they match a dwelling of the same year on postcode and house number.
with

addresses as (

    select * from {{ ref('stg_bag__addresses') }}

),

valuations as (

    select * from {{ ref('stg_woz__valuations') }}

),

tenancies as (

    select * from {{ ref('stg_housing_corporations__tenancies') }}

),

dwellings as (

    select * from addresses
    where is_residential

),

tenanted_addresses as (

    select distinct
        pc6_code,
        house_number,
        period_year

    from tenancies

),

final as (

    select
        dwellings.address_id,
        dwellings.period_year,
        dwellings.municipality_code,
        dwellings.pc6_code,
        dwellings.pc4_code,
        dwellings.house_number,
        valuations.woz_value_eur,
        -- CBS counts WOZ values between 10 thousand and 5 million euro only
        coalesce(
            valuations.woz_value_eur between {{ var('woz_value_min_eur') }}
            and {{ var('woz_value_max_eur') }},
            false
        ) as has_countable_woz_value,
        tenanted_addresses.pc6_code is not null as has_corporation_tenancy

    from dwellings
    left join valuations
        on
            dwellings.address_id = valuations.address_id
            and dwellings.period_year = valuations.period_year
    left join tenanted_addresses
        on
            dwellings.pc6_code = tenanted_addresses.pc6_code
            and dwellings.house_number = tenanted_addresses.house_number
            and dwellings.period_year = tenanted_addresses.period_year

)

select * from final
