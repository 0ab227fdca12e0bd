{#- The levels an area can have a parent at, in the state of secondary suppression
    (disclosure_state): one column parent_<level>_id each. The one place they are
    named. -#}
{% macro disclosure_parent_levels() -%}
    {{ return(['pc4', 'wijk', 'gemeente', 'regio']) }}
{%- endmacro %}

{#- The state's parent key columns: parent_pc4_id, parent_wijk_id, ... -#}
{% macro disclosure_parent_columns() -%}
    {%- set columns = [] -%}
    {%- for level in disclosure_parent_levels() -%}
        {%- do columns.append('parent_' ~ level ~ '_id') -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- Query: per child area (its text key, child_key) the compact key of its parent at
    each level (disclosure_parent_columns), from `area_relations` (int_area_relations,
    or a relation of its layout). -#}
{% macro disclosure_parent_ids(area_relations) -%}
    select
        -- the text key, so that the planner can estimate the join with a quantity table
        {{ area_key(
            'child_level', 'child_area_code', 'child_municipality_code'
        ) }} as child_key,
        {%- for level in disclosure_parent_levels() %}
        max({{ compact_area_id(area_key(
            'parent_level', 'parent_area_code', 'parent_municipality_code'
        )) }}) filter (where parent_level = '{{ level }}')
            as parent_{{ level }}_id{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ area_relations }}
    group by child_level, child_area_code, child_municipality_code
{%- endmacro %}
