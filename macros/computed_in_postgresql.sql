{#- The models that need PostGIS (area boundaries, address points, the PC6 areas, the
    address-to-wijk assignment, the border zone, dim_areas' GeoJSON) are computed in
    PostgreSQL only. On DuckDB (the benchmark's reference, straatkubus/bench/reference.py)
    such a model reads the relation PostgreSQL built, handed over as Parquet:
    STRAATKUBUS_DUCKDB_DIR/postgresql/<model>.parquet. A model wraps its SQL in
    `{% call computed_in_postgresql() %} ... {% endcall %}`; the SQL is rendered on every
    adapter, so its refs stay in the graph. -#}
{% macro computed_in_postgresql() -%}
    {%- set sql = caller() | trim -%}
    {%- if target.type == 'duckdb' -%}
        {%- set parquet = env_var('STRAATKUBUS_DUCKDB_DIR', '.') ~ '/postgresql/'
            ~ this.identifier ~ '.parquet' -%}
        {{ return("select * from read_parquet('" ~ parquet ~ "')") }}
    {%- endif -%}
    {{ return(sql) }}
{%- endmacro %}
