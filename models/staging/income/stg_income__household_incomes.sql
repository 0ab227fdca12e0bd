with

source as (

    select * from {{ source('income', 'household_income') }}

),

final as (

    select
        bsn_pseudonym as person_id,
        municipality_code,
        income_pct_social_minimum,
        left(delivery_period, 4)::integer as period_year,
        make_date(left(delivery_period, 4)::integer, 1, 1) as reference_date

    from source

)

select * from final
