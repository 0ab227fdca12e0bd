-- The parent columns are generated lists, which sqlfluff cannot lay out:
-- noqa: disable=LT02
{#- The unique index on area_id is the guard against two areas whose text keys hash
    alike (compact_area_id): every compact key of the disclosure models is an area of
    this table. -#}
{{ config(
    materialized='table',
    indexes=[{'columns': ['area_id'], 'unique': true}],
) }}

-- Every area the quantities can have, once: its compact key (compact_area_id of its
-- text key), its level, code and municipality, and the compact keys of its parents
-- (int_area_relations; null where it has none at a level). The disclosure models carry
-- area_id only; the marts take the level and codes from here. Areas are those of
-- int_area_relations, and the PC6 and PC4 of PC6-located data (events, insurer
-- figures) at a postcode without addresses.
with

area_relations as (

    select * from {{ ref('int_area_relations') }}

),

event_quantities as (

    select * from {{ ref('int_pc6_event_quantities') }}

),

care_quantities as (

    select * from {{ ref('int_pc6_care_quantities') }}

),

located_postcodes as (

    select
        pc6_code,
        municipality_code

    from event_quantities

    union

    select
        pc6_code,
        municipality_code

    from care_quantities

),

areas as (

    select
        child_level as area_level,
        child_area_code as area_code,
        child_municipality_code as municipality_code

    from area_relations

    union

    select
        parent_level,
        parent_area_code,
        parent_municipality_code

    from area_relations

    union

    select
        'pc6' as area_level,
        pc6_code as area_code,
        municipality_code

    from located_postcodes

    union

    select
        'pc4' as area_level,
        left(pc6_code, 4) as area_code,
        municipality_code

    from located_postcodes

),

parent_ids as (

    select
        child_level,
        child_area_code,
        child_municipality_code,
        {%- for level in disclosure_parent_levels() %}
        max({{ compact_area_id(area_key(
            'parent_level', 'parent_area_code', 'parent_municipality_code'
        )) }}) filter (where parent_level = '{{ level }}')
            as parent_{{ level }}_id{{ ',' if not loop.last }}
        {%- endfor %}

    from area_relations
    group by child_level, child_area_code, child_municipality_code

),

final as (

    select
        {{ compact_area_id(area_key(
            'areas.area_level', 'areas.area_code', 'areas.municipality_code'
        )) }} as area_id,
        areas.area_level,
        areas.area_code,
        areas.municipality_code,
        {%- for parent in disclosure_parent_columns() %}
        parent_ids.{{ parent }}{{ ',' if not loop.last }}
        {%- endfor %}

    from areas
    left join parent_ids
        on
            areas.area_level = parent_ids.child_level
            and areas.area_code = parent_ids.child_area_code
            and areas.municipality_code = parent_ids.child_municipality_code

)

select * from final
