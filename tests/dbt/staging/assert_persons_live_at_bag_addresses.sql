-- In every complete year (int_register_years), every registered person lives at an
-- address of the BAG of that year. A year still waiting for its BAG is not checked:
-- its BRP may name addresses built since the last BAG delivery.
with

persons as (

    select * from {{ ref('stg_brp__persons') }}

),

addresses as (

    select * from {{ ref('stg_bag__addresses') }}

),

register_years as (

    select * from {{ ref('int_register_years') }}
    where is_complete

),

final as (

    select
        persons.municipality_code,
        persons.period_year,
        persons.address_id,
        count(*) as persons

    from persons
    inner join register_years
        on
            persons.municipality_code = register_years.municipality_code
            and persons.period_year = register_years.period_year
    left join addresses
        on
            persons.address_id = addresses.address_id
            and persons.period_year = addresses.period_year
    where addresses.address_id is null
    group by persons.municipality_code, persons.period_year, persons.address_id

)

select * from final
