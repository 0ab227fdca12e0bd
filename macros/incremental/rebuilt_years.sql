{#- Incremental builds by year. Disclosure control never crosses a year, so when only
    event deliveries are new, `straatkubus build` recounts just the years they concern:
    it sets STRAATKUBUS_REBUILD_YEARS (e.g. "2025") and the year-partitioned models
    replace those years (delete+insert on period_year). Unset, every year is rebuilt. -#}
{% macro rebuilt_years(preceding=0, following=0) -%}
    {%- set setting = env_var('STRAATKUBUS_REBUILD_YEARS', '') | trim -%}
    {%- if not setting -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set years = [] -%}
    {%- for part in setting.split(',') -%}
        {%- if not (part | trim).isdigit() -%}
            {{ exceptions.raise_compiler_error(
                'STRAATKUBUS_REBUILD_YEARS: "' ~ setting ~ '" is not a list of years'
            ) }}
        {%- endif -%}
        {%- set year = part | trim | int -%}
        {%- for offset in range(-preceding, following + 1) -%}
            {%- if (year + offset) not in years -%}
                {%- do years.append(year + offset) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(years | sort) }}
{%- endmacro %}

{#- A condition on `column` keeping the rebuilt years (widened by preceding and following
    years), or `true` when every year is rebuilt. Models apply it when is_incremental();
    the data tests of year-partitioned models apply it always, so that an incremental
    build tests the years it rebuilt (the others were tested when they were built). -#}
{% macro in_rebuilt_years(column, preceding=0, following=0) -%}
    {%- set years = rebuilt_years(preceding, following) -%}
    {%- if years is none -%}
        true
    {%- else -%}
        {{ column }} in ({{ years | join(', ') }})
    {%- endif -%}
{%- endmacro %}

{#- in_rebuilt_years for a model that also reads the denominators of the rebuilt years:
    the years `register_years` (int_register_years, or a CTE over it) names as their
    denominator years, where a year's registers are incomplete. -#}
{% macro in_rebuilt_or_denominator_years(column, register_years) -%}
    {%- set years = rebuilt_years() -%}
    {%- if years is none -%}
        true
    {%- else -%}
        (
            {{ column }} in ({{ years | join(', ') }})
            or {{ column }} in (
                select denominator_year
                from {{ register_years }}
                where period_year in ({{ years | join(', ') }})
                union
                select parkstad_denominator_year
                from {{ register_years }}
                where period_year in ({{ years | join(', ') }})
            )
        )
    {%- endif -%}
{%- endmacro %}

{#- The rows of `relation` a year-partitioned model reads: on an incremental run only
    those of the rebuilt years (widened by preceding and following years; with
    `register_years`, also the years that give them their denominators), else all. -#}
{% macro rebuilt_years_of(relation, preceding=0, following=0, register_years=none) -%}
    select * from {{ relation }}
    {%- if is_incremental() %}
        where
        {%- if register_years is none %}
            {{ in_rebuilt_years('period_year', preceding, following) }}
        {%- else %}
            {{ in_rebuilt_or_denominator_years('period_year', register_years) }}
        {%- endif %}
    {%- endif %}
{%- endmacro %}

{#- in_rebuilt_years on an incremental run, else `true`: for a condition within a query
    rather than on the rows a model reads (rebuilt_years_of). -#}
{% macro in_rebuilt_years_if_incremental(column, preceding=0, following=0) -%}
    {%- if is_incremental() -%}
        {{ in_rebuilt_years(column, preceding, following) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
