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
        left(delivery_period, 4)::integer as period_year,
        make_date(left(delivery_period, 4)::integer, 1, 1) as reference_date

    from source

)

select * from final
