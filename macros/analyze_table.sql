{#- A post-hook for every model and seed: a table gets its planner statistics right
    away. The next model's plan depends on them; autovacuum would gather them only
    later, and a large join planned without them can take several times as long (the
    suppression rounds, planned over the catalogue seeds without statistics: minutes
    instead of seconds at test scale). DuckDB keeps its statistics as it writes: nothing
    to run there (an empty hook is skipped). -#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table')()) }}
{%- endmacro %}

{% macro default__analyze_table() -%}
    {%- if model.config.materialized in ['table', 'incremental', 'seed'] -%}
        analyze {{ this }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__analyze_table() -%}
{%- endmacro %}
