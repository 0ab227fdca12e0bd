{#- Query: per quantity and per share pair (quantity_id on compact keys) the largest
    threshold of its uses: below it a non-zero amount is secret. `indicators`:
    int_indicators_with_thresholds (or a relation of its layout); `share_pairs`: the
    relation of disclosure_share_pairs. -#}
{% macro disclosure_thresholds(indicators, share_pairs) -%}
    with

    quantity_thresholds as (

        select
            {{ compact_quantity_id('quantity_code') }} as quantity_id,
            max(threshold) as threshold

        from (
            -- a count of people with a characteristic
            select
                numerator_quantity_code as quantity_code,
                min_cell_size as threshold
            from {{ indicators }}
            where unit <> 'euro'

            union all

            -- the group a figure is about
            select
                group_quantity_code as quantity_code,
                min_denominator as threshold
            from {{ indicators }}

            union all

            -- the people in a share's group without the characteristic
            select
                denominator_quantity_code || ' - ' || numerator_quantity_code,
                min_cell_size
            from {{ indicators }}
            where is_share
        ) as uses
        group by quantity_code

    )

    select * from quantity_thresholds

    union all

    -- a subset's difference from its whole: as strict as for the subset itself
    select
        share_pairs.pair_id as quantity_id,
        coalesce(
            quantity_thresholds.threshold, {{ var('min_cell_size') }}
        ) as threshold
    from {{ share_pairs }} as share_pairs
    left join quantity_thresholds
        on share_pairs.numerator_quantity_id = quantity_thresholds.quantity_id
    where share_pairs.pair_id not in (
        select quantity_thresholds.quantity_id from quantity_thresholds
    )
{%- endmacro %}
