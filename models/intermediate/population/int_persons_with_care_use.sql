{{ config(materialized='table') }}

-- One row per BRP person and period: age on 1 January and whether the person had youth
-- care or a WMO provision running at some time in that year. A trajectory counts for a
-- year when it comes in that year's delivery and runs in the year: it starts on or
-- before 31 December and has no end or ends on or after 1 January.
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

youth_care_clients as (

    select distinct
        person_id,
        period_year

    from youth_care_trajectories
    where
        start_date <= make_date(period_year, 12, 31)
        and (end_date is null or end_date >= make_date(period_year, 1, 1))

),

wmo_clients as (

    select distinct
        person_id,
        period_year

    from wmo_provisions
    where
        start_date <= make_date(period_year, 12, 31)
        and (end_date is null or end_date >= make_date(period_year, 1, 1))

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
        youth_care_clients.person_id is not null as has_youth_care,
        wmo_clients.person_id is not null as has_wmo_provision

    from persons
    left join youth_care_clients
        on
            persons.person_id = youth_care_clients.person_id
            and persons.period_year = youth_care_clients.period_year
    left join wmo_clients
        on
            persons.person_id = wmo_clients.person_id
            and persons.period_year = wmo_clients.period_year

)

select * from final
