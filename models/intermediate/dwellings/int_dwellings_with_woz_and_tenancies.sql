{{ config(materialized='table') }}

-- One row per BAG dwelling (gebruiksdoel woonfunctie) and period, with the WOZ value
-- of that tax year and of the year before, and whether a housing corporation rents it
-- out (with rent arrears, or an eviction in the year). Tenancies carry no BAG id: they
-- match a dwelling of the same year on postcode and house number.
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

    select
        pc6_code,
        house_number,
        period_year,
        bool_or(months_in_arrears >= 2) as has_rent_arrears,
        bool_or(
            extract(year from eviction_date) = period_year
        ) as has_eviction

    from tenancies
    group by pc6_code, house_number, period_year

),

joined as (

    select
        dwellings.address_id,
        dwellings.period_year,
        dwellings.municipality_code,
        dwellings.pc6_code,
        dwellings.pc4_code,
        dwellings.house_number,
        dwellings.building_year,
        valuations.woz_value_eur,
        previous_valuations.woz_value_eur as previous_woz_value_eur,
        tenanted_addresses.pc6_code is not null as has_corporation_tenancy,
        coalesce(tenanted_addresses.has_rent_arrears, false) as has_rent_arrears,
        coalesce(tenanted_addresses.has_eviction, false) as has_eviction

    from dwellings
    left join valuations
        on
            dwellings.address_id = valuations.address_id
            and dwellings.period_year = valuations.period_year
    left join valuations as previous_valuations
        on
            dwellings.address_id = previous_valuations.address_id
            and dwellings.period_year - 1 = previous_valuations.period_year
    left join tenanted_addresses
        on
            dwellings.pc6_code = tenanted_addresses.pc6_code
            and dwellings.house_number = tenanted_addresses.house_number
            and dwellings.period_year = tenanted_addresses.period_year

),

final as (

    select
        address_id,
        period_year,
        municipality_code,
        pc6_code,
        pc4_code,
        house_number,
        building_year,
        woz_value_eur,
        -- CBS counts WOZ values between 10 thousand and 5 million euro only
        coalesce(
            woz_value_eur between {{ var('woz_value_min_eur') }}
            and {{ var('woz_value_max_eur') }},
            false
        ) as has_countable_woz_value,
        previous_woz_value_eur,
        coalesce(
            previous_woz_value_eur between {{ var('woz_value_min_eur') }}
            and {{ var('woz_value_max_eur') }},
            false
        ) as has_countable_previous_woz_value,
        has_corporation_tenancy,
        has_rent_arrears,
        has_eviction

    from joined

)

select * from final
