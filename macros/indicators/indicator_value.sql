{#-
    An indicator's value from its numerator and denominator by the catalogue's unit:
    a share (%), a rate (per 1000), an average (euro: a sum over a count) or the count.
-#}
{% macro indicator_value(numerator, denominator, unit) -%}
    case {{ unit }}
        when '%' then {{ rounded_quotient('100.0 * ' ~ numerator, denominator, 1) }}
        when 'per 1000'
            then {{ rounded_quotient('1000.0 * ' ~ numerator, denominator, 1) }}
        when 'euro' then {{ rounded_quotient(numerator, denominator, 1) }}
        else {{ numerator }}::numeric
    end
{%- endmacro %}
