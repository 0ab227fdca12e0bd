with

source as (

    select * from {{ source('social_domain', 'social_assistance') }}

),

final as (

    select
        bsn_pseudonym as person_id,
        municipality_code,
        benefit_type,
        start_date,
        end_date,
        {{ year_of_period('delivery_period') }} as period_year,
        make_date({{ year_of_period('delivery_period') }}, 1, 1) as reference_date

    from source

)

select * from final
