{#- Superset's readers may use nothing but the published marts: USAGE on `marts` is granted
    when a build is published (straatkubus/warehouse/access.py), never on the shadow being built.
    DuckDB (the benchmark's reference) has no users: nothing to revoke. -#}
{% macro revoke_reader_schemas() -%}
    {{ return(adapter.dispatch('revoke_reader_schemas')()) }}
{%- endmacro %}

{% macro default__revoke_reader_schemas() -%}
    {% if execute %}
        revoke all on schema staging, intermediate, reference
            from {{ env_var('STRAATKUBUS_READER_USER', 'superset_reader') }};
    {% endif %}
{%- endmacro %}

{% macro duckdb__revoke_reader_schemas() -%}
{%- endmacro %}
