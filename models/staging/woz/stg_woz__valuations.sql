with

source as (

    select * from {{ source('woz', 'woz_values') }}

),

final as (

    select
        address_id,
        municipality_code,
        valuation_date,
        woz_value as woz_value_eur,
        left(delivery_period, 4)::integer as period_year,
        make_date(left(delivery_period, 4)::integer, 1, 1) as reference_date

    from source

)

select * from final
