{#- The models' `indexes` are PostgreSQL's (b-tree and GiST, for its planner and the
    unique keys): on DuckDB (the benchmark's reference), which needs none to join or
    aggregate, none is created. Replaces dbt-duckdb's macro of this name. -#}
{% macro duckdb__create_indexes(relation) -%}
{%- endmacro %}
