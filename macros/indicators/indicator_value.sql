{#-
    An indicator's value from its numerator and denominator by the catalogue's unit:
    a share (%), a rate (per 1000), an average (euro: a sum over a count) or the count.
-#}
{% macro indicator_value(numerator, denominator, unit) -%}
    case {{ unit }}
        when '%' then round(100.0 * {{ numerator }} / nullif({{ denominator }}, 0), 1)
        when 'per 1000'
            then round(1000.0 * {{ numerator }} / nullif({{ denominator }}, 0), 1)
        when 'euro'
            then round({{ numerator }}::numeric / nullif({{ denominator }}, 0), 1)
        else {{ numerator }}::numeric
    end
{%- endmacro %}
