-- Per municipality and month, the event quantities add up to the events of the staging
-- views: nothing lost, nothing counted twice, and no month left stale by an
-- incremental run (a full refresh repairs that).
with

event_quantities as (

    select * from {{ ref('int_pc6_event_quantities') }}

),

police_incidents as (

    select * from {{ ref('stg_police__incidents') }}

),

environmental_incidents as (

    select * from {{ ref('stg_environment_agency__incidents') }}

),

public_space_reports as (

    select * from {{ ref('stg_public_space__reports') }}

),

quantity_totals as (

    select
        municipality_code,
        period_year,
        period_month,
        sum(police_crimes + police_nuisance_incidents) as police_events,
        sum(
            police_burglaries
            + police_violent_incidents
            + police_vandalism_incidents
        ) as police_crimes_by_type,
        sum(police_crimes) as police_crimes,
        sum(environmental_incidents) as environmental_events,
        sum(public_space_reports) as public_space_events

    from event_quantities
    group by municipality_code, period_year, period_month

),

staging_events as (

    select
        municipality_code,
        period_year,
        period_month,
        'police' as event_source
    from police_incidents

    union all

    select
        municipality_code,
        period_year,
        period_month,
        'environment_agency' as event_source
    from environmental_incidents

    union all

    select
        municipality_code,
        period_year,
        period_month,
        'public_space' as event_source
    from public_space_reports

),

staging_totals as (

    select
        municipality_code,
        period_year,
        period_month,
        count(*) filter (where event_source = 'police') as police_events,
        count(*) filter (
            where event_source = 'environment_agency'
        ) as environmental_events,
        count(*) filter (where event_source = 'public_space') as public_space_events

    from staging_events
    group by municipality_code, period_year, period_month

),

final as (

    select
        coalesce(
            quantity_totals.municipality_code, staging_totals.municipality_code
        ) as municipality_code,
        coalesce(
            quantity_totals.period_year, staging_totals.period_year
        ) as period_year,
        coalesce(
            quantity_totals.period_month, staging_totals.period_month
        ) as period_month,
        quantity_totals.police_events as quantity_police_events,
        staging_totals.police_events as staging_police_events,
        quantity_totals.environmental_events as quantity_environmental_events,
        staging_totals.environmental_events as staging_environmental_events,
        quantity_totals.public_space_events as quantity_public_space_events,
        staging_totals.public_space_events as staging_public_space_events

    from quantity_totals
    full outer join staging_totals
        on
            quantity_totals.municipality_code = staging_totals.municipality_code
            and quantity_totals.period_year = staging_totals.period_year
            and quantity_totals.period_month = staging_totals.period_month
    where
        quantity_totals.police_events is distinct from staging_totals.police_events
        or quantity_totals.environmental_events
        is distinct from staging_totals.environmental_events
        or quantity_totals.public_space_events
        is distinct from staging_totals.public_space_events
        or quantity_totals.police_crimes
        is distinct from quantity_totals.police_crimes_by_type

)

select * from final
