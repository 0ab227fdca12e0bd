-- Reports may come in a yearly and in a monthly delivery: the latest delivery wins.
with

source as (

    select * from {{ source('public_space', 'public_space_reports') }}

),

latest_delivery as (

    select distinct on (report_id) *
    from source
    order by report_id asc, delivery_id desc

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
        extract(month from reported_date)::integer as period_month

    from latest_delivery

)

select * from final
