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

{#- A period's compact key, as the disclosure models carry it: YYYYMM for a month,
    YYYY00 for a year. `month` may be null; a smallint year is widened first (DuckDB
    keeps smallint * 100 a smallint, which overflows). -#}
{% macro period_id(year, month) -%}
    (cast({{ year }} as integer) * 100 + coalesce({{ month }}, 0))
{%- endmacro %}

{#- The year of a period id. -#}
{% macro year_of_period_id(period_id) -%}
    cast(({{ period_id }} - {{ period_id }} % 100) / 100 as integer)
{%- endmacro %}

{#- The month of a period id: null for a year. -#}
{% macro month_of_period_id(period_id) -%}
    nullif({{ period_id }} % 100, 0)
{%- endmacro %}
