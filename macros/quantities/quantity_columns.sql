{#- The quantity columns of a quantity model: its columns that the quantity seed names,
    in the model's column order (empty while dbt parses). -#}
{% macro quantity_columns(relation) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set known = run_query(
        'select quantity_code from ' ~ ref('indicator_quantities')
    ).columns[0].values() -%}
    {%- set columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name in known -%}
            {%- do columns.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
