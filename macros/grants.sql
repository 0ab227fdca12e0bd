{#- Superset's reader may use the marts schema and nothing else. -#}
{% macro grant_marts_schema_usage() -%}
    {% if execute %}
        grant usage on schema marts to {{ env_var('STRAATKUBUS_READER_USER', 'superset_reader') }};
        revoke all on schema staging, intermediate, reference
            from {{ env_var('STRAATKUBUS_READER_USER', 'superset_reader') }};
    {% endif %}
{%- endmacro %}
