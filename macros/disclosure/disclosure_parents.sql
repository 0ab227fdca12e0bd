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
