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
        {{ year_of_period('delivery_period') }} as period_year,
        make_date({{ year_of_period('delivery_period') }}, 1, 1) as reference_date

    from source

)

select * from final
