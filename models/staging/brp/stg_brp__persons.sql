with

source as (

    select * from {{ source('brp', 'brp_persons') }}

),

renamed as (

    select
        bsn_pseudonym as person_id,
        birth_date,
        address_id,
        household_id,
        delivery_sender as municipality_code,
        make_date(left(delivery_period, 4)::integer, 1, 1) as reference_date

    from source

)

select * from renamed
