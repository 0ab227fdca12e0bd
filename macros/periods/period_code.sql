{#- A period's code: 'YYYY' for a year, 'YYYY-MM' for a month. -#}
{% macro period_code(year, month) -%}
    case
        when {{ month }} is null then {{ year }}::text
        else {{ year }}::text || '-' || lpad({{ month }}::text, 2, '0')
    end
{%- endmacro %}

{#- The year of a period code ('YYYY' or 'YYYY-MM'). -#}
{% macro year_of_period(period) -%}
    left({{ period }}, 4)::integer
{%- endmacro %}

{#- The month of a period code: null for a year. -#}
{% macro month_of_period(period) -%}
    nullif(substr({{ period }}, 6, 2), '')::integer
{%- endmacro %}
