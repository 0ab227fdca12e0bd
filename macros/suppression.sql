{#-
    Disclosure control. The thresholds live in the catalogue (seeds/indicators.csv) and
    in dbt_project.yml vars; these macros are the one place the rules are written.
-#}

{#- An indicator's minimum cell size: the catalogue's, never below the var for its tier. -#}
{% macro effective_min_cell_size(indicators) -%}
    greatest(
        {{ indicators }}.min_cell_size,
        case {{ indicators }}.sensitivity_tier
            {%- for tier, size in var('min_cell_size_per_tier').items() %}
            when '{{ tier }}' then {{ size }}
            {%- endfor %}
        end,
        {{ var('min_cell_size') }}
    )
{%- endmacro %}

{#- An indicator's minimum group size (denominator, or the count itself). -#}
{% macro effective_min_denominator(indicators) -%}
    greatest({{ indicators }}.min_denominator, {{ var('min_denominator') }})
{%- endmacro %}

{#- A quantity's rounding base: the catalogue's, or var('round_counts_to') for every
    count when that is set; amounts of money are never rounded. -#}
{% macro effective_rounding_base(rounding_base, is_amount) -%}
    case
        when {{ is_amount }} then 0
        else greatest({{ rounding_base }}, {{ var('round_counts_to') }})
    end
{%- endmacro %}

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

{#- Whether a zero count is secret for an indicator of this tier. -#}
{% macro zero_is_secret(sensitivity_tier) -%}
    {{ sensitivity_tier }} in (
        {%- for tier in var('zero_is_secret_tiers') %}
        '{{ tier }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- The Dutch reason shown for a withheld cell. Only a group too small to publish is
    named as such; every other reason reads the same, because telling "few with the
    characteristic" from "few without it" or "derivable from other figures" would give
    away which side is small. -#}
{% macro suppression_reason_text(rule, min_cell_size, min_denominator) -%}
    case
        when {{ rule }} = 'groep' then 'Minder dan ' || {{ min_denominator }}
            || ' in de groep: niet gepubliceerd'
        else 'Afgeschermd: minder dan ' || {{ min_cell_size }}
            || ' met of zonder dit kenmerk, of terug te rekenen uit andere cijfers'
    end
{%- endmacro %}

{#- A count rounded to its base (0 = not rounded). -#}
{% macro rounded(amount, rounding_base) -%}
    case
        when {{ rounding_base }} > 0
            then round({{ amount }} / {{ rounding_base }}) * {{ rounding_base }}
        else {{ amount }}
    end
{%- endmacro %}

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

{#- One text key per area (level, code, municipality), for joins across levels. -#}
{% macro area_key(level, code, municipality) -%}
    {{ level }} || ':' || {{ code }} || ':' || coalesce({{ municipality }}, '')
{%- endmacro %}

{#- Compact keys for the suppression rounds: a 64-bit hash of the text area key, a
    32-bit hash of a quantity (or share pair) code, and YYYYMM for a period (YYYY00 for
    a year). A hash collision would put two keys on one row and fail the unique index
    of int_area_quantities_protected and assert_compact_keys_are_distinct. -#}
{% macro compact_area_id(area_key) -%}
    hashtextextended({{ area_key }}, 0)
{%- endmacro %}

{% macro compact_quantity_id(quantity_code) -%}
    hashtext({{ quantity_code }})
{%- endmacro %}

{% macro compact_period_id(period_code) -%}
    (
        left({{ period_code }}, 4)::integer * 100
        + coalesce(nullif(substr({{ period_code }}, 6, 2), '')::integer, 0)
    )
{%- endmacro %}

{#- The Dutch name of the register a denominator quantity comes from (its source in
    seeds/indicator_quantities.csv), for notes such as "Noemer: BRP 2024". -#}
{% macro register_label(source) -%}
    case {{ source }}
        when 'brp_persons' then 'BRP'
        when 'bag_addresses' then 'BAG'
        else 'registers'
    end
{%- endmacro %}
