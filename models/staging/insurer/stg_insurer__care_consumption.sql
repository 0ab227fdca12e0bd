with

source as (

    select * from {{ source('insurer', 'care_consumption') }}

),

final as (

    select
        delivery_sender as insurer_code,
        postcode as pc6_code,
        left(postcode, 4) as pc4_code,
        municipality_code,
        insured_persons,
        mental_health_clients,
        care_costs_eur,
        {{ year_of_period('delivery_period') }} as period_year

    from source

)

select * from final
