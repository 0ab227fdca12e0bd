with

source as (

    select * from {{ source('cbs', 'cbs_municipality_figures') }}

),

final as (

    select
        municipality_code,
        municipality_name,
        copies_municipality_code as copied_municipality_code,
        year as period_year,
        inhabitants,
        households,
        pct_one_person_households,
        pct_65plus,
        avg_woz_eur,
        pct_corporation_dwellings,
        pct_youth_care,
        wmo_clients_per_1000

    from source

)

select * from final
