with

source as (

    select * from {{ source('deliveries', 'deliveries') }}

),

final as (

    select
        delivery_id,
        source,
        sender,
        left(period, 4)::integer as period_year,
        nullif(substr(period, 6, 2), '')::integer as period_month

    from source
    where is_current

)

select * from final
