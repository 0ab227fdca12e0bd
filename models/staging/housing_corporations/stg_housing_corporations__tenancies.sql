with

source as (

    select * from {{ source('housing_corporations', 'corporation_tenancies') }}

),

final as (

    select
        tenancy_id,
        delivery_sender as corporation_code,
        municipality_code,
        postcode as pc6_code,
        left(postcode, 4) as pc4_code,
        house_number,
        months_in_arrears,
        eviction_date,
        {{ year_of_period('delivery_period') }} as period_year,
        -- the tenancies are the state at the end of the period
        make_date({{ year_of_period('delivery_period') }}, 12, 31) as reference_date

    from source

)

select * from final
