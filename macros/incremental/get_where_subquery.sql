{#- The generic data tests of year-partitioned models are configured (dbt_project.yml,
    model properties) with where: "__rebuilt_years__", which becomes in_rebuilt_years:
    dbt's get_where_subquery with this one placeholder. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = (config.get('where') or '')
        | replace('__rebuilt_years__', in_rebuilt_years('period_year')) -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
