{{ config(materialized='table') }}

-- One row per BRP person and period: age on 1 January and the care, support and
-- benefits of that year. A trajectory, provision or benefit counts for a year when it
-- comes in that year's delivery and runs in the year: it starts on or before
-- 31 December and has no end or ends on or after 1 January. Carers count for the year
-- whose delivery registers them.
with

persons as (

    select * from {{ ref('stg_brp__persons') }}

),

youth_care_trajectories as (

    select * from {{ ref('stg_social_domain__youth_care_trajectories') }}

),

wmo_provisions as (

    select * from {{ ref('stg_social_domain__wmo_provisions') }}

),

social_assistance_benefits as (

    select * from {{ ref('stg_social_domain__social_assistance_benefits') }}

),

informal_carers as (

    select * from {{ ref('stg_social_domain__informal_carers') }}

),

-- one row per trajectory, provision, benefit or registration of the year, flagged by
-- what it is; then one row per person: a single join with the BRP (the person keys
-- are long pseudonyms, so every join counts)
care_and_support as (

    select
        person_id,
        period_year,
        true as is_youth_care,
        care_type = 'jeugdhulp met verblijf' as is_residential_youth_care,
        false as is_wmo_provision,
        false as is_social_assistance,
        false as is_social_assistance_over_3_years,
        null::integer as care_hours_per_week

    from youth_care_trajectories
    where {{ runs_in_year('start_date', 'end_date', 'period_year') }}

    union all

    select
        person_id,
        period_year,
        false as is_youth_care,
        false as is_residential_youth_care,
        true as is_wmo_provision,
        false as is_social_assistance,
        false as is_social_assistance_over_3_years,
        null::integer as care_hours_per_week

    from wmo_provisions
    where {{ runs_in_year('start_date', 'end_date', 'period_year') }}

    union all

    select
        person_id,
        period_year,
        false as is_youth_care,
        false as is_residential_youth_care,
        false as is_wmo_provision,
        true as is_social_assistance,
        -- duration on 31 December, or on the end date when it ended in the year
        start_date < least(
            coalesce(end_date, make_date(period_year, 12, 31)),
            make_date(period_year, 12, 31)
        ) - interval '3 years' as is_social_assistance_over_3_years,
        null::integer as care_hours_per_week

    from social_assistance_benefits
    where {{ runs_in_year('start_date', 'end_date', 'period_year') }}

    union all

    select
        person_id,
        period_year,
        false as is_youth_care,
        false as is_residential_youth_care,
        false as is_wmo_provision,
        false as is_social_assistance,
        false as is_social_assistance_over_3_years,
        care_hours_per_week

    from informal_carers

),

care_and_support_per_person as (

    select
        person_id,
        period_year,
        bool_or(is_youth_care) as has_youth_care,
        bool_or(is_residential_youth_care) as has_residential_youth_care,
        bool_or(is_wmo_provision) as has_wmo_provision,
        bool_or(is_social_assistance) as has_social_assistance,
        bool_or(
            is_social_assistance_over_3_years
        ) as has_social_assistance_over_3_years,
        -- carers: registered in the year's delivery
        count(care_hours_per_week) > 0 as is_informal_carer,
        coalesce(max(care_hours_per_week) >= 8, false) as is_heavy_informal_carer

    from care_and_support
    group by person_id, period_year

),

final as (

    select
        persons.person_id,
        persons.period_year,
        persons.reference_date,
        persons.municipality_code,
        persons.address_id,
        persons.household_id,
        extract(
            year from age(persons.reference_date, persons.birth_date)
        )::integer as age_years,
        coalesce(person_support.has_youth_care, false) as has_youth_care,
        coalesce(
            person_support.has_residential_youth_care, false
        ) as has_residential_youth_care,
        coalesce(person_support.has_wmo_provision, false) as has_wmo_provision,
        coalesce(person_support.has_social_assistance, false) as has_social_assistance,
        coalesce(
            person_support.has_social_assistance_over_3_years, false
        ) as has_social_assistance_over_3_years,
        coalesce(person_support.is_informal_carer, false) as is_informal_carer,
        coalesce(
            person_support.is_heavy_informal_carer, false
        ) as is_heavy_informal_carer

    from persons
    left join care_and_support_per_person as person_support
        on
            persons.person_id = person_support.person_id
            and persons.period_year = person_support.period_year

)

select * from final
