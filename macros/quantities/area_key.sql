{#- One text key per area (level, code, municipality), for joins across levels. -#}
{% macro area_key(level, code, municipality) -%}
    {{ level }} || ':' || {{ code }} || ':' || coalesce({{ municipality }}, '')
{%- endmacro %}
