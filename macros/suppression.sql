{#-
    Primary small-cell suppression of one indicator cell.

    suppression_reason() yields null when the cell may be published, otherwise the Dutch
    reason shown to the user. A cell is withheld when its group (the denominator, or the
    count itself for plain counts) is below the minimum, or when its numerator or the
    complement (denominator - numerator) is a small non-zero group: both would point at
    a few people.
-#}
{% macro suppression_reason(numerator, denominator, min_cell_size) -%}
    case
        when coalesce({{ denominator }}, {{ numerator }}) < {{ min_cell_size }}
            then 'Minder dan ' || {{ min_cell_size }}
                || ' in de groep: niet gepubliceerd'
        when {{ numerator }} between 1 and {{ min_cell_size }} - 1
            then 'Minder dan ' || {{ min_cell_size }}
                || ' personen met dit kenmerk: niet gepubliceerd'
        when {{ denominator }} - {{ numerator }} between 1 and {{ min_cell_size }} - 1
            then 'Minder dan ' || {{ min_cell_size }}
                || ' personen zonder dit kenmerk: niet gepubliceerd'
    end
{%- endmacro %}

{#- The value of a column only where its cell is published (reason is null). -#}
{% macro published(column, reason) -%}
    case when {{ reason }} is null then {{ column }} end
{%- endmacro %}

{#-
    An indicator's value from its numerator and denominator, by the catalogue's unit:
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
