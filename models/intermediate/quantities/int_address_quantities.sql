{{ config(materialized='table') }}

{#- The quantities counted through households (household_quantities), in the order
    of the model's columns. -#}
{%- set household_columns = [
    'inhabitants', 'inhabitants_0_17', 'inhabitants_18plus', 'inhabitants_18_66',
    'inhabitants_under_23', 'inhabitants_65plus', 'inhabitants_75plus',
    'inhabitants_65plus_living_alone', 'inhabitants_65plus_living_alone_low_income',
    'minors_in_households_with_income', 'minors_in_low_income_households',
    'social_assistance_recipients', 'social_assistance_recipients_18_66',
    'social_assistance_recipients_over_3_years', 'youth_care_clients_under_23',
    'residential_youth_care_clients_0_17', 'wmo_clients', 'wmo_clients_75plus',
    'informal_carers', 'heavy_informal_carers', 'informal_carers_65plus',
    'households', 'one_person_households', 'households_with_minors',
    'single_parent_households', 'single_parent_households_low_income',
    'households_with_income', 'households_income_to_120_pct',
    'households_income_to_101_pct', 'households_with_debt_help',
] %}

-- One row per BAG address and period with every address-based quantity as a column
-- (named as in seeds/indicator_quantities.csv), zero where there is none. Persons
-- count at their BRP address through their household, which lives at the address of
-- its members (assert_households_live_at_one_address); dwellings, their WOZ values
-- and tenancies at themselves. Only years whose register deliveries are complete for
-- the municipality count (int_register_years). Person-level data stops here. The
-- counts per address are integers, not the bigint of their sums.
with

addresses as (

    select * from {{ ref('stg_bag__addresses') }}

),

register_years as (

    select * from {{ ref('int_register_years') }}

),

households as (

    select * from {{ ref('int_households_with_income_and_debt_help') }}

),

dwellings as (

    select * from {{ ref('int_dwellings_with_woz_and_tenancies') }}

),

household_quantities as (

    select
        address_id,
        period_year,
        sum(members) as inhabitants,
        sum(minors) as inhabitants_0_17,
        sum(adults) as inhabitants_18plus,
        sum(members_18_66) as inhabitants_18_66,
        sum(members_under_23) as inhabitants_under_23,
        sum(members_65plus) as inhabitants_65plus,
        sum(members_75plus) as inhabitants_75plus,
        sum(members_with_social_assistance) as social_assistance_recipients,
        sum(members_18_66_with_social_assistance)
            as social_assistance_recipients_18_66,
        sum(members_with_social_assistance_over_3_years)
            as social_assistance_recipients_over_3_years,
        sum(members_under_23_with_youth_care) as youth_care_clients_under_23,
        sum(minors_with_residential_youth_care)
            as residential_youth_care_clients_0_17,
        sum(members_with_wmo_provision) as wmo_clients,
        sum(members_75plus_with_wmo_provision) as wmo_clients_75plus,
        sum(adult_informal_carers) as informal_carers,
        sum(adult_heavy_informal_carers) as heavy_informal_carers,
        sum(informal_carers_65plus) as informal_carers_65plus,
        count(*) as households,
        count(*) filter (where is_one_person_household) as one_person_households,
        count(*) filter (where minors > 0) as households_with_minors,
        count(*) filter (
            where is_single_parent_household
        ) as single_parent_households,
        count(*) filter (
            where is_single_parent_household and has_income_to_120_pct
        ) as single_parent_households_low_income,
        count(*) filter (where has_income) as households_with_income,
        count(*) filter (
            where has_income_to_120_pct
        ) as households_income_to_120_pct,
        count(*) filter (
            where has_income_to_101_pct
        ) as households_income_to_101_pct,
        count(*) filter (where has_debt_help) as households_with_debt_help,
        count(*) filter (
            where is_65plus_living_alone
        ) as inhabitants_65plus_living_alone,
        count(*) filter (
            where is_65plus_living_alone and has_income_to_120_pct
        ) as inhabitants_65plus_living_alone_low_income,
        coalesce(sum(minors) filter (where has_income), 0)
            as minors_in_households_with_income,
        coalesce(sum(minors) filter (where has_income_to_120_pct), 0)
            as minors_in_low_income_households

    from households
    group by address_id, period_year

),

final as (

    select
        addresses.address_id,
        addresses.period_year,
        addresses.pc6_code,
        addresses.pc4_code,
        addresses.municipality_code,
        -- persons and households: zero where no household lives
        {% for column in household_columns -%}
            coalesce(household_quantities.{{ column }}, 0)::integer as {{ column }},
        {% endfor -%}
        case
            when dwellings.has_rent_arrears
                then coalesce(household_quantities.households_with_debt_help, 0)
            else 0
        end::integer as households_with_debt_help_and_rent_arrears,
        -- dwellings
        (dwellings.address_id is not null)::integer as dwellings,
        coalesce(dwellings.has_corporation_tenancy, false)::integer
            as corporation_dwellings,
        (
            dwellings.address_id is not null
            and coalesce(household_quantities.inhabitants, 0) = 0
        )::integer as vacant_dwellings,
        coalesce(dwellings.building_year < 1945, false)::integer
            as dwellings_built_before_1945,
        coalesce(dwellings.has_rent_arrears, false)::integer
            as dwellings_with_rent_arrears,
        coalesce(dwellings.has_eviction, false)::integer
            as dwellings_with_eviction,
        coalesce(dwellings.has_countable_woz_value, false)::integer
            as valued_dwellings,
        case
            when dwellings.has_countable_woz_value
                then dwellings.woz_value_eur
            else 0
        end::numeric as woz_value_total_eur,
        coalesce(
            dwellings.has_countable_woz_value
            and dwellings.woz_value_eur < 200000,
            false
        )::integer as dwellings_woz_below_200000,
        coalesce(
            dwellings.has_countable_woz_value
            and dwellings.has_countable_previous_woz_value,
            false
        )::integer as dwellings_valued_both_years,
        coalesce(
            dwellings.has_countable_woz_value
            and dwellings.has_countable_previous_woz_value
            and dwellings.woz_value_eur < dwellings.previous_woz_value_eur,
            false
        )::integer as dwellings_woz_decreased,
        coalesce(
            dwellings.has_countable_woz_value
            and dwellings.has_countable_previous_woz_value
            and dwellings.woz_value_eur > 1.1 * dwellings.previous_woz_value_eur,
            false
        )::integer as dwellings_woz_increased_over_10_pct

    from addresses
    inner join register_years
        on
            addresses.municipality_code = register_years.municipality_code
            and addresses.period_year = register_years.period_year
            and register_years.is_complete
    left join household_quantities
        on
            addresses.address_id = household_quantities.address_id
            and addresses.period_year = household_quantities.period_year
    left join dwellings
        on
            addresses.address_id = dwellings.address_id
            and addresses.period_year = dwellings.period_year

)

select * from final
