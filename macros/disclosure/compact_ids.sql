{#- Compact keys of the disclosure models: a 64-bit hash of the text area key, a
    32-bit hash of a quantity (or share pair) code; a period's is period_id (YYYYMM).
    A hash collision would fail the unique index of int_areas_with_parent_ids or
    assert_compact_keys_are_distinct. -#}
{% macro compact_area_id(area_key) -%}
    hashtextextended({{ area_key }}, 0)
{%- endmacro %}

{% macro compact_quantity_id(quantity_code) -%}
    hashtext({{ quantity_code }})
{%- endmacro %}
