{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['period_year', 'period_month'],
    on_schema_change='fail',
) }}

-- Event quantities per PC6, municipality and month: police incidents, environmental
-- incidents and public-space reports as the latest deliveries tell them (the staging
-- views keep, per sender and month, the latest delivery covering it). Incremental: a
-- run rebuilds every month that holds an event of a delivery newer than the newest
-- one already counted, as a whole (delete+insert on the month), so a correction that
-- withdraws events is honoured too. `dbt build --full-refresh` recounts everything.
with

police_incidents as (

    select * from {{ ref('stg_police__incidents') }}

),

environmental_incidents as (

    select * from {{ ref('stg_environment_agency__incidents') }}

),

public_space_reports as (

    select * from {{ ref('stg_public_space__reports') }}

),

events as (

    select
        pc6_code,
        municipality_code,
        period_year,
        period_month,
        delivery_id,
        'police' as event_source,
        incident_type as event_category,
        incident_type in (
            'woninginbraak', 'geweld', 'vernieling'
        ) as is_police_crime,
        incident_type in (
            'jeugdoverlast', 'verward gedrag', 'burenruzie', 'drugsoverlast'
        ) as is_police_nuisance

    from police_incidents

    union all

    select
        pc6_code,
        municipality_code,
        period_year,
        period_month,
        delivery_id,
        'environment_agency' as event_source,
        incident_category as event_category,
        false as is_police_crime,
        false as is_police_nuisance

    from environmental_incidents

    union all

    select
        pc6_code,
        municipality_code,
        period_year,
        period_month,
        delivery_id,
        'public_space' as event_source,
        report_category as event_category,
        false as is_police_crime,
        false as is_police_nuisance

    from public_space_reports

),

-- months to count: on an incremental run those holding an event of a delivery newer
-- than the newest one counted so far, otherwise all
months_to_count as (

    select distinct
        period_year,
        period_month

    from events
    {%- if is_incremental() %}
        where delivery_id > (
            select coalesce(max(counted.last_delivery_id), 0)
            from {{ this }} as counted
        )
    {%- endif %}

),

events_to_count as (

    select events.*

    from events
    inner join months_to_count
        on
            events.period_year = months_to_count.period_year
            and events.period_month = months_to_count.period_month

),

final as (

    select
        pc6_code,
        municipality_code,
        period_year,
        period_month,
        count(*) filter (where is_police_crime) as police_crimes,
        count(*) filter (
            where event_source = 'police' and event_category = 'woninginbraak'
        ) as police_burglaries,
        count(*) filter (
            where event_source = 'police' and event_category = 'geweld'
        ) as police_violent_incidents,
        count(*) filter (
            where event_source = 'police' and event_category = 'vernieling'
        ) as police_vandalism_incidents,
        count(*) filter (where is_police_nuisance) as police_nuisance_incidents,
        count(*) filter (
            where event_source = 'police' and event_category = 'burenruzie'
        ) as police_neighbour_disputes,
        count(*) filter (
            where event_source = 'public_space'
        ) as public_space_reports,
        count(*) filter (
            where event_source = 'public_space' and event_category = 'afval'
        ) as public_space_reports_waste,
        count(*) filter (
            where event_source = 'public_space' and event_category = 'overlast'
        ) as public_space_reports_nuisance,
        count(*) filter (
            where event_source = 'environment_agency'
        ) as environmental_incidents,
        -- a category of the environment agency only
        count(*) filter (
            where event_category = 'illegale dumping'
        ) as illegal_dumping_incidents,
        -- the newest delivery counted: what a next incremental run compares with
        max(delivery_id) as last_delivery_id

    from events_to_count
    group by pc6_code, municipality_code, period_year, period_month

)

select * from final
