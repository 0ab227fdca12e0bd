{{ config(materialized='table') }}

-- Numerator and denominator of every calibration indicator per municipality and period
-- (long): persons and households from the BRP on 1 January, dwellings from the BAG.
with

persons as (

    select * from {{ ref('int_persons_with_care_use') }}

),

dwellings as (

    select * from {{ ref('int_dwellings_with_woz_and_tenancies') }}

),

person_counts as (

    select
        municipality_code,
        period_year,
        count(*) as inhabitants,
        count(*) filter (where age_years >= 65) as inhabitants_65plus,
        count(*) filter (where age_years < 23) as inhabitants_under_23,
        count(*) filter (
            where age_years < 23 and has_youth_care
        ) as youth_care_clients_under_23,
        count(*) filter (where has_wmo_provision) as wmo_clients

    from persons
    group by municipality_code, period_year

),

households as (

    select
        municipality_code,
        period_year,
        household_id,
        count(*) as household_size

    from persons
    group by municipality_code, period_year, household_id

),

household_counts as (

    select
        municipality_code,
        period_year,
        count(*) as households,
        count(*) filter (where household_size = 1) as one_person_households

    from households
    group by municipality_code, period_year

),

dwelling_counts as (

    select
        municipality_code,
        period_year,
        count(*) as dwellings,
        count(*) filter (where has_corporation_tenancy) as corporation_dwellings,
        count(*) filter (where has_countable_woz_value) as valued_dwellings,
        sum(woz_value_eur) filter (
            where has_countable_woz_value
        ) as woz_value_total_eur

    from dwellings
    group by municipality_code, period_year

),

person_indicators as (

    select
        person_counts.municipality_code,
        person_counts.period_year,
        cells.indicator_code,
        cells.numerator,
        cells.denominator

    from person_counts
    cross join lateral (
        values
        ('inwoners', person_counts.inhabitants, null::bigint),
        (
            'pct_65plus',
            person_counts.inhabitants_65plus,
            person_counts.inhabitants
        ),
        (
            'pct_jeugdzorg',
            person_counts.youth_care_clients_under_23,
            person_counts.inhabitants_under_23
        ),
        (
            'wmo_clienten_per_1000',
            person_counts.wmo_clients,
            person_counts.inhabitants
        )
    ) as cells (indicator_code, numerator, denominator)

),

household_indicators as (

    select
        household_counts.municipality_code,
        household_counts.period_year,
        cells.indicator_code,
        cells.numerator,
        cells.denominator

    from household_counts
    cross join lateral (
        values
        ('huishoudens', household_counts.households, null::bigint),
        (
            'pct_eenpersoonshuishoudens',
            household_counts.one_person_households,
            household_counts.households
        )
    ) as cells (indicator_code, numerator, denominator)

),

dwelling_indicators as (

    select
        dwelling_counts.municipality_code,
        dwelling_counts.period_year,
        cells.indicator_code,
        cells.numerator,
        cells.denominator

    from dwelling_counts
    cross join lateral (
        values
        (
            'gem_woz_waarde',
            dwelling_counts.woz_value_total_eur::bigint,
            dwelling_counts.valued_dwellings
        ),
        (
            'pct_corporatiewoningen',
            dwelling_counts.corporation_dwellings,
            dwelling_counts.dwellings
        )
    ) as cells (indicator_code, numerator, denominator)

),

final as (

    select * from person_indicators
    union all
    select * from household_indicators
    union all
    select * from dwelling_indicators

)

select * from final
