with

source as (

    select * from {{ source('brp', 'brp_persons') }}

),

final as (

    select
        bsn_pseudonym as person_id,
        birth_date,
        address_id,
        household_id,
        municipality_code,
        {{ year_of_period('delivery_period') }} as period_year,
        make_date({{ year_of_period('delivery_period') }}, 1, 1) as reference_date

    from source

)

select * from final
