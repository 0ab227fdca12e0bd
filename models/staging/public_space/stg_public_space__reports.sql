-- Overlapping yearly and monthly deliveries: see macro latest_event_rows.
with

source as (

    select * from {{ source('public_space', 'public_space_reports') }}

),

latest_events as (

    {{ latest_event_rows('source', 'reported_date', 'report_id') }}

),

final as (

    select
        report_id,
        municipality_code,
        category as report_category,
        reported_date,
        postcode as pc6_code,
        left(postcode, 4) as pc4_code,
        extract(year from reported_date)::integer as period_year,
        extract(month from reported_date)::integer as period_month,
        delivery_id

    from latest_events

)

select * from final
