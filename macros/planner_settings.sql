{#- Pre-hooks that set PostgreSQL planner settings for one model's transaction
    (`set local`), from a mapping of setting to value; DuckDB plans without them. -#}
{% macro planner_settings(settings) -%}
    {{ return(adapter.dispatch('planner_settings')(settings)) }}
{%- endmacro %}

{% macro default__planner_settings(settings) -%}
    {%- set hooks = [] -%}
    {%- for name, value in settings.items() -%}
        {%- do hooks.append('set local ' ~ name ~ ' = ' ~ value) -%}
    {%- endfor -%}
    {{ return(hooks) }}
{%- endmacro %}

{% macro duckdb__planner_settings(settings) -%}
    {{ return([]) }}
{%- endmacro %}
