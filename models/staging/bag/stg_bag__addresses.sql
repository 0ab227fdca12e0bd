with

source as (

    select * from {{ source('bag', 'bag_addresses') }}

),

renamed as (

    select
        address_id,
        postcode as pc6_code,
        left(postcode, 4) as pc4_code,
        house_number,
        municipality_code,
        use as usage_purpose,
        use = 'woonfunctie' as is_residential,
        longitude,
        latitude,
        st_transform(
            st_setsrid(st_makepoint(longitude, latitude), 4326),
            {{ var('working_srid') }}
        ) as address_point,
        left(delivery_period, 4)::integer as period_year

    from source

)

select * from renamed
