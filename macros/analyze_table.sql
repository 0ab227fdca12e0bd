{#- A post-hook for every model: a table gets its planner statistics right away. The next
    model's plan depends on them; autovacuum would gather them only later, and a large
    join planned without them can take several times as long. -#}
{% macro analyze_table() -%}
    {%- if model.config.materialized in ['table', 'incremental'] -%}
        analyze {{ this }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
