with

source as (

    select * from {{ source('social_domain', 'informal_carers') }}

),

final as (

    select
        bsn_pseudonym as person_id,
        municipality_code,
        registration_date,
        care_hours_per_week,
        {{ year_of_period('delivery_period') }} as period_year,
        make_date({{ year_of_period('delivery_period') }}, 1, 1) as reference_date

    from source

)

select * from final
