{{ config(materialized='table') }}

-- One row per BRP household and period: its address, its members by age on 1 January
-- and by the care, support and benefits they had in the year, its income (delivered
-- for its reference person) and whether it is in debt help (the applicant is its
-- reference person). Single parents are households with minors and exactly one adult:
-- the BRP delivery holds no parent-child relations. Persons are aggregated here once,
-- so that the address quantities only add up households.
with

persons as (

    select * from {{ ref('int_persons_with_care_use') }}

),

household_incomes as (

    select * from {{ ref('stg_income__household_incomes') }}

),

debt_help_trajectories as (

    select * from {{ ref('stg_social_domain__debt_help_trajectories') }}

),

debt_help_applicants as (

    select distinct
        person_id,
        period_year

    from debt_help_trajectories
    where {{ runs_in_year('start_date', 'end_date', 'period_year') }}

),

members as (

    select
        persons.household_id,
        persons.period_year,
        persons.municipality_code,
        persons.address_id,
        persons.age_years,
        persons.has_youth_care,
        persons.has_residential_youth_care,
        persons.has_wmo_provision,
        persons.has_social_assistance,
        persons.has_social_assistance_over_3_years,
        persons.is_informal_carer,
        persons.is_heavy_informal_carer,
        household_incomes.income_pct_social_minimum,
        debt_help_applicants.person_id is not null as is_debt_help_applicant

    from persons
    left join household_incomes
        on
            persons.person_id = household_incomes.person_id
            and persons.period_year = household_incomes.period_year
    left join debt_help_applicants
        on
            persons.person_id = debt_help_applicants.person_id
            and persons.period_year = debt_help_applicants.period_year

),

households as (

    select
        household_id,
        period_year,
        municipality_code,
        -- members share one address; should they not, the lowest address id
        min(address_id) as address_id,
        count(*) as members,
        count(*) filter (where age_years < 18) as minors,
        count(*) filter (where age_years >= 18) as adults,
        count(*) filter (where age_years between 18 and 66) as members_18_66,
        count(*) filter (where age_years < 23) as members_under_23,
        count(*) filter (where age_years >= 65) as members_65plus,
        count(*) filter (where age_years >= 75) as members_75plus,
        count(*) filter (
            where has_social_assistance
        ) as members_with_social_assistance,
        count(*) filter (
            where has_social_assistance and age_years between 18 and 66
        ) as members_18_66_with_social_assistance,
        count(*) filter (
            where has_social_assistance_over_3_years
        ) as members_with_social_assistance_over_3_years,
        count(*) filter (
            where has_youth_care and age_years < 23
        ) as members_under_23_with_youth_care,
        count(*) filter (
            where has_residential_youth_care and age_years < 18
        ) as minors_with_residential_youth_care,
        count(*) filter (where has_wmo_provision) as members_with_wmo_provision,
        count(*) filter (
            where has_wmo_provision and age_years >= 75
        ) as members_75plus_with_wmo_provision,
        count(*) filter (
            where is_informal_carer and age_years >= 18
        ) as adult_informal_carers,
        count(*) filter (
            where is_heavy_informal_carer and age_years >= 18
        ) as adult_heavy_informal_carers,
        count(*) filter (
            where is_informal_carer and age_years >= 65
        ) as informal_carers_65plus,
        -- one reference person per household; should two members have an income
        -- row, the highest
        max(income_pct_social_minimum) as income_pct_social_minimum,
        bool_or(is_debt_help_applicant) as has_debt_help

    from members
    group by household_id, period_year, municipality_code

),

final as (

    select
        household_id,
        period_year,
        municipality_code,
        address_id,
        -- integers, so that their sums per address are integers too
        members::integer as members,
        minors::integer as minors,
        adults::integer as adults,
        members_18_66::integer as members_18_66,
        members_under_23::integer as members_under_23,
        members_65plus::integer as members_65plus,
        members_75plus::integer as members_75plus,
        members_with_social_assistance::integer as members_with_social_assistance,
        members_18_66_with_social_assistance::integer
            as members_18_66_with_social_assistance,
        members_with_social_assistance_over_3_years::integer
            as members_with_social_assistance_over_3_years,
        members_under_23_with_youth_care::integer as members_under_23_with_youth_care,
        minors_with_residential_youth_care::integer
            as minors_with_residential_youth_care,
        members_with_wmo_provision::integer as members_with_wmo_provision,
        members_75plus_with_wmo_provision::integer as members_75plus_with_wmo_provision,
        adult_informal_carers::integer as adult_informal_carers,
        adult_heavy_informal_carers::integer as adult_heavy_informal_carers,
        informal_carers_65plus::integer as informal_carers_65plus,
        income_pct_social_minimum,
        income_pct_social_minimum is not null as has_income,
        coalesce(income_pct_social_minimum <= 120, false) as has_income_to_120_pct,
        coalesce(income_pct_social_minimum <= 101, false) as has_income_to_101_pct,
        members = 1 as is_one_person_household,
        members = 1 and members_65plus = 1 as is_65plus_living_alone,
        minors > 0 and adults = 1 as is_single_parent_household,
        has_debt_help

    from households

)

select * from final
