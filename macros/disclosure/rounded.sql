{#- A count rounded to its base (0 = not rounded). -#}
{% macro rounded(amount, rounding_base) -%}
    case
        when {{ rounding_base }} > 0
            then round({{ amount }} / {{ rounding_base }}) * {{ rounding_base }}
        else {{ amount }}
    end
{%- endmacro %}
