-- Incidents may come in a yearly and in a monthly delivery: the latest delivery wins.
with

source as (

    select * from {{ source('environment_agency', 'environmental_incidents') }}

),

latest_delivery as (

    select distinct on (incident_id) *
    from source
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

    from latest_delivery

)

select * from final
