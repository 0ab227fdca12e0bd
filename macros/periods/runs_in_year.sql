{#- A trajectory, provision or benefit counts for a year when it runs at some time in it:
    it starts on or before 31 December and has no end or ends on or after 1 January. -#}
{% macro runs_in_year(start_date, end_date, year) -%}
    {{ start_date }} <= make_date({{ year }}, 12, 31)
    and ({{ end_date }} is null or {{ end_date }} >= make_date({{ year }}, 1, 1))
{%- endmacro %}
