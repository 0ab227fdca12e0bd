{#-
    The primary rule a cell breaks, or null when it may be published:
    'groep'       the group (the denominator, or the count itself) is below the minimum;
    'afronding'   a rounded count below the minimum cell size, zero included (CBS: secret);
    'kenmerk'     a small non-zero count of people with the characteristic;
    'complement'  a small non-zero count of people in the group without it.
    Where zero is secret (tiers in var('zero_is_secret_tiers')), a count or complement of
    zero breaks the rule too: otherwise the withheld cells next to published zeros would
    tell that someone in the group has the characteristic.
    Money amounts (is_amount) are protected by their group only.
-#}
{% macro primary_suppression_rule(
    numerator, denominator, group_size, min_cell_size, min_denominator,
    is_share, is_amount, rounding_base, zero_is_secret
) -%}
    case
        when {{ group_size }} < {{ min_denominator }} then 'groep'
        when {{ is_amount }} then null
        when {{ rounding_base }} > 0 and {{ numerator }} < {{ min_cell_size }}
            then 'afronding'
        when
            {{ numerator }} < {{ min_cell_size }}
            and ({{ numerator }} > 0 or {{ zero_is_secret }})
            then 'kenmerk'
        when
            {{ is_share }}
            and {{ denominator }} - {{ numerator }} < {{ min_cell_size }}
            and ({{ denominator }} - {{ numerator }} > 0 or {{ zero_is_secret }})
            then 'complement'
    end
{%- endmacro %}

{#- Why a cell is withheld, as a short code: 'jaar' (a rate of a year whose registers are
    incomplete, without an earlier complete year), 'groep' (a group too small to
    publish), 'afgeschermd' (every other primary rule, or secondary suppression: they read
    the same, because telling "few with the characteristic" from "few without it" or
    "derivable from other figures" would give away which side is small). Null when the
    cell is published. The marts store the code; suppression_reason_text spells it out. -#}
{% macro suppression_rule(is_suppressed, primary_rule, lacks_denominator_year) -%}
    case
        when {{ lacks_denominator_year }} then 'jaar'
        when {{ is_suppressed }} and {{ primary_rule }} = 'groep' then 'groep'
        when {{ is_suppressed }} then 'afgeschermd'
    end
{%- endmacro %}

{#- The Dutch reason shown for a withheld cell, from its suppression_rule code. -#}
{% macro suppression_reason_text(rule, period_year, min_cell_size, min_denominator) -%}
    case {{ rule }}
        when 'jaar' then 'Nog niet gepubliceerd: de registers van ' || {{ period_year }}
            || ' zijn nog niet compleet'
        when 'groep' then 'Minder dan ' || {{ min_denominator }}
            || ' in de groep: niet gepubliceerd'
        when 'afgeschermd' then 'Afgeschermd: minder dan ' || {{ min_cell_size }}
            || ' met of zonder dit kenmerk, of terug te rekenen uit andere cijfers'
    end
{%- endmacro %}
