-- Overlapping yearly and monthly deliveries: see macro latest_event_rows.
with

source as (

    select * from {{ source('police', 'police_incidents') }}

),

latest_events as (

    {{ latest_event_rows('source', 'incident_date', 'incident_id') }}

),

final as (

    select
        incident_id,
        municipality_code,
        incident_type,
        incident_date,
        postcode as pc6_code,
        left(postcode, 4) as pc4_code,
        extract(year from incident_date)::integer as period_year,
        extract(month from incident_date)::integer as period_month,
        delivery_id

    from latest_events

)

select * from final
