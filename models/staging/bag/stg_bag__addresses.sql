{% call computed_in_postgresql() %}
with

source as (

    select * from {{ source('bag', 'bag_addresses') }}

),

final as (

    select
        address_id,
        postcode as pc6_code,
        left(postcode, 4) as pc4_code,
        house_number,
        municipality_code,
        use as usage_purpose,
        use = 'woonfunctie' as is_residential,
        floor_area as floor_area_m2,
        building_year,
        -- x/y in RD New or WGS84 (crs 'EPSG:<srid>'): one point in the working SRID
        st_transform(
            st_setsrid(st_makepoint(x, y), split_part(crs, ':', 2)::integer),
            {{ var('working_srid') }}
        ) as address_point,
        {{ year_of_period('delivery_period') }} as period_year,
        make_date({{ year_of_period('delivery_period') }}, 1, 1) as reference_date

    from source

)

select * from final
{% endcall %}
