with

source as (

    select * from {{ source('deliveries', 'deliveries') }}

),

final as (

    select
        delivery_id,
        source,
        sender,
        {{ year_of_period('period') }} as period_year,
        {{ month_of_period('period') }} as period_month

    from source
    where is_current

)

select * from final
