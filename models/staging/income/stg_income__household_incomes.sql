with

source as (

    select * from {{ source('income', 'household_income') }}

),

final as (

    select
        bsn_pseudonym as person_id,
        municipality_code,
        income_pct_social_minimum,
        {{ year_of_period('delivery_period') }} as period_year,
        make_date({{ year_of_period('delivery_period') }}, 1, 1) as reference_date

    from source

)

select * from final
