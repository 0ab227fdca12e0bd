{#- Query: the share pairs on compact keys (pair_id, numerator_quantity_id,
    denominator_quantity_id): a share's numerator within its denominator, and every
    declared subset within its whole. The difference (denominator minus numerator) is a
    group of people (or events) of its own, protected as a quantity with key pair_id.
    `indicators`: int_indicators_with_thresholds (or a relation of its layout);
    `indicator_quantities`: the seed of that name. -#}
{% macro disclosure_share_pairs(indicators, indicator_quantities) -%}
    select
        {{ compact_quantity_id('pair_code') }} as pair_id,
        {{ compact_quantity_id('numerator_quantity_code') }}
            as numerator_quantity_id,
        {{ compact_quantity_id('denominator_quantity_code') }}
            as denominator_quantity_id

    from (
        select
            denominator_quantity_code || ' - ' || numerator_quantity_code as pair_code,
            numerator_quantity_code,
            denominator_quantity_code

        from {{ indicators }}
        where is_share

        union

        select
            subset_of_quantity_code || ' - ' || quantity_code,
            quantity_code,
            subset_of_quantity_code

        from {{ indicator_quantities }}
        where subset_of_quantity_code is not null
    ) as share_pair_codes
{%- endmacro %}

{#- Query: the wholes that their parts partition exactly (crimes = burglaries +
    violence + vandalism), on compact keys (quantity_id, partition_of_quantity_id): a
    whole is a parent of its parts in the same area and period. -#}
{% macro disclosure_partitions(indicator_quantities) -%}
    select
        {{ compact_quantity_id('quantity_code') }} as quantity_id,
        {{ compact_quantity_id('partition_of_quantity_code') }}
            as partition_of_quantity_id

    from {{ indicator_quantities }}
    where partition_of_quantity_code is not null
{%- endmacro %}

{#- The CTEs `share_pairs`, `partitions` and `thresholds` (the layouts of
    disclosure_share_pairs, disclosure_partitions and disclosure_thresholds) from
    `rules`, int_quantity_disclosure_rules or a relation of its layout: what the
    suppression rounds and their convergence test read. -#}
{% macro disclosure_rule_relations(rules) -%}
share_pairs as (

    select
        quantity_id as pair_id,
        numerator_quantity_id,
        denominator_quantity_id

    from {{ rules }}
    where numerator_quantity_id is not null

),

partitions as (

    select
        quantity_id,
        partition_of_quantity_id

    from {{ rules }}
    where partition_of_quantity_id is not null

),

thresholds as (

    select
        quantity_id,
        threshold

    from {{ rules }}
    where threshold is not null

)
{%- endmacro %}
