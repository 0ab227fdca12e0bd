{#- Custom schemas are used as named (staging, intermediate, reference), except the marts:
    `straatkubus build` writes them to a shadow schema (STRAATKUBUS_MARTS_SCHEMA), tests and
    audits them there and only then swaps them in (straatkubus/warehouse/builds.py). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name and custom_schema_name | trim == 'marts' -%}
        {{ env_var('STRAATKUBUS_MARTS_SCHEMA', 'marts') }}
    {%- else -%}
        {{ custom_schema_name | trim if custom_schema_name else target.schema }}
    {%- endif -%}
{%- endmacro %}
