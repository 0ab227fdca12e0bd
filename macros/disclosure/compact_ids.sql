{#- Compact keys of the disclosure models: a 63-bit hash of the text area key, a 31-bit
    hash of a quantity (or share pair) code; a period's is period_id (YYYYMM). The hashes
    come from md5, so that PostgreSQL and DuckDB compute the same keys (the keys order the
    candidates of secondary suppression: they decide which cell is hidden). A hash
    collision would fail the unique index of int_areas_with_parent_ids or
    assert_compact_keys_are_distinct. -#}
{% macro compact_area_id(area_key) -%}
    {{ md5_integer(area_key, 63) }}
{%- endmacro %}

{% macro compact_quantity_id(quantity_code) -%}
    {{ md5_integer(quantity_code, 31) }}
{%- endmacro %}
