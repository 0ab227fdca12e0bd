{% call computed_in_postgresql() %}
with

source as (

    select * from {{ source('cbs', 'cbs_municipality_areas') }}

),

final as (

    select
        municipality_code,
        st_transform(
            st_setsrid(st_geomfromgeojson(geojson), 4326),
            {{ var('working_srid') }}
        ) as boundary

    from source

)

select * from final
{% endcall %}
