{#- numerator / denominator rounded half away from zero to `decimals`, null for a zero
    denominator: exact in PostgreSQL (numeric) and DuckDB (whose decimal division gives
    a double, which rounds a quotient such as 85471.40 / 28 = 3052.55 down). On DuckDB
    the operands are scaled to integers: at most 6 decimals each. -#}
{% macro rounded_quotient(numerator, denominator, decimals) -%}
    {{ return(adapter.dispatch('rounded_quotient')(numerator, denominator, decimals)) }}
{%- endmacro %}

{% macro default__rounded_quotient(numerator, denominator, decimals) -%}
    round(({{ numerator }})::numeric / nullif({{ denominator }}, 0), {{ decimals }})
{%- endmacro %}

{% macro duckdb__rounded_quotient(numerator, denominator, decimals) -%}
    {%- set n = '((' ~ numerator ~ ') * 1000000)::hugeint' -%}
    {%- set d = '((' ~ denominator ~ ') * 1000000)::hugeint' -%}
    (
        (
            (sign({{ n }}) * sign({{ d }}))::hugeint
            * ((2 * abs({{ n }}) * {{ 10 ** decimals }} + abs({{ d }}))
                // nullif(2 * abs({{ d }}), 0))
        )::decimal(38, 0)
        * {{ '1' if decimals == 0 else '0.' ~ '0' * (decimals - 1) ~ '1' }}
    )
{%- endmacro %}
