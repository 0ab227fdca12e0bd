-- Incidents may come in a yearly and in monthly deliveries. The latest
-- delivery covering a month replaces what earlier deliveries said about that
-- month (a correction or a consolidation); an incident that still occurs twice is
-- taken from the latest delivery.
with

source as (

    select * from {{ source('environment_agency', 'environmental_incidents') }}

),

deliveries_per_month as (

    select
        *,
        max(delivery_id) over (
            partition by delivery_sender, date_trunc('month', incident_date)
        ) as latest_delivery_id_of_month

    from source

),

latest_per_month as (

    select * from deliveries_per_month
    where delivery_id = latest_delivery_id_of_month

),

latest_per_incident as (

    select distinct on (incident_id) *
    from latest_per_month
    order by incident_id asc, delivery_id desc

),

final as (

    select
        incident_id,
        municipality_code,
        category as incident_category,
        incident_date,
        postcode as pc6_code,
        left(postcode, 4) as pc4_code,
        extract(year from incident_date)::integer as period_year,
        extract(month from incident_date)::integer as period_month

    from latest_per_incident

)

select * from final
