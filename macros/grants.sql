{#- Superset's reader may use the marts schema and nothing else. -#}
{% macro grant_marts_schema_usage() -%}
    {% if execute %}
        grant usage on schema marts to {{ var('superset_reader') }};
        revoke all on schema staging, intermediate, reference
            from {{ var('superset_reader') }};
    {% endif %}
{%- endmacro %}
