{#- The first `bits` bits (31 or 63) of the md5 of a text, as a non-negative integer
    (bigint above 31 bits): the same value in PostgreSQL and DuckDB. -#}
{% macro md5_integer(text, bits) -%}
    {{ return(adapter.dispatch('md5_integer')(text, bits)) }}
{%- endmacro %}

{% macro default__md5_integer(text, bits) -%}
    {%- set wide = bits > 31 -%}
    (
        ('x' || left(md5({{ text }}), {{ 16 if wide else 8 }}))::bit({{ 64 if wide else 32 }})
        ::{{ 'bigint' if wide else 'integer' }}
        & {{ 2 ** bits - 1 }}
    )
{%- endmacro %}

{% macro duckdb__md5_integer(text, bits) -%}
    {%- set wide = bits > 31 -%}
    (
        ('0x' || left(md5({{ text }}), {{ 16 if wide else 8 }}))
        ::{{ 'ubigint' if wide else 'uinteger' }}
        & {{ 2 ** bits - 1 }}
    )::{{ 'bigint' if wide else 'integer' }}
{%- endmacro %}
