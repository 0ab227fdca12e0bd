{#- Compact keys for the suppression rounds: a 63-bit hash of the text area key, a
    31-bit hash of a quantity (or share pair) code, and YYYYMM for a period (YYYY00 for
    a year). The hashes come from md5, so that PostgreSQL and DuckDB compute the same keys
    (the keys order the candidates of secondary suppression: they decide which cell is
    hidden). A hash collision would put two keys on one row and fail the unique index
    of int_area_quantities_protected and assert_compact_keys_are_distinct. -#}
{% macro compact_area_id(area_key) -%}
    {{ md5_integer(area_key, 63) }}
{%- endmacro %}

{% macro compact_quantity_id(quantity_code) -%}
    {{ md5_integer(quantity_code, 31) }}
{%- endmacro %}

{% macro compact_period_id(period_code) -%}
    (
        {{ year_of_period(period_code) }} * 100
        + coalesce({{ month_of_period(period_code) }}, 0)
    )
{%- endmacro %}
