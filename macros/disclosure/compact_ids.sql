{#- Compact keys for the suppression rounds: a 64-bit hash of the text area key, a
    32-bit hash of a quantity (or share pair) code, and YYYYMM for a period (YYYY00 for
    a year). A hash collision would put two keys on one row and fail the unique index
    of int_area_quantities_protected and assert_compact_keys_are_distinct. -#}
{% macro compact_area_id(area_key) -%}
    hashtextextended({{ area_key }}, 0)
{%- endmacro %}

{% macro compact_quantity_id(quantity_code) -%}
    hashtext({{ quantity_code }})
{%- endmacro %}

{% macro compact_period_id(period_code) -%}
    (
        {{ year_of_period(period_code) }} * 100
        + coalesce({{ month_of_period(period_code) }}, 0)
    )
{%- endmacro %}
