{#-
    The state secondary suppression works on: every quantity of an area and period on
    compact keys (area_id, period_id, quantity_id: integers that hash joins and
    aggregates handle far faster than text keys) with area_level, amount, is_hidden,
    the parent keys of the area (disclosure_parent_columns; null where the area has no
    such parent) and year_period_id (a month's year, else null).
-#}

{#- Query: the state from `quantities`, a relation in the layout of
    int_area_quantities with a boolean is_hidden, and `areas`, int_areas_with_parent_ids
    (or a relation of its layout). -#}
{% macro disclosure_state(quantities, areas) -%}
    select
        quantities.area_id,
        areas.area_level,
        quantities.period_id,
        quantities.quantity_id,
        quantities.amount,
        quantities.is_hidden,
        {%- for parent in disclosure_parent_columns() %}
        areas.{{ parent }},
        {%- endfor %}
        -- a month lies within its year
        case
            when {{ month_of_period_id('quantities.period_id') }} is not null
                then {{ period_id('quantities.period_year', 'null') }}
        end as year_period_id

    from {{ quantities }} as quantities
    inner join {{ areas }} as areas
        on quantities.area_id = areas.area_id
{%- endmacro %}

{#- The CTEs `<state>_numerators` and `<state>_quantities`: the state CTE `state` plus
    the complement (denominator minus numerator) of every share pair as a quantity of
    its own, each with its threshold (null: never secret) and the whole it is a part
    of (partition_of_quantity_id). `share_pairs`, `thresholds` and `partitions` are the
    relations of disclosure_share_pairs, disclosure_thresholds and
    disclosure_partitions. Each numerator is paired with its denominator's quantity
    first, behind a materialisation fence: joining numerators and denominators on area
    and period alone (a plan the planner may choose) makes every quantity of an area
    meet every other, a result 57 times the state. -#}
{% macro disclosure_quantities(state, share_pairs, thresholds, partitions) -%}
{{ state }}_numerators as materialized (

    select
        numerators.*,
        share_pairs.pair_id,
        share_pairs.denominator_quantity_id

    from {{ state }} as numerators
    inner join {{ share_pairs }} as share_pairs
        on numerators.quantity_id = share_pairs.numerator_quantity_id

),

{{ state }}_quantities as (

    select
        quantities.area_id,
        quantities.area_level,
        quantities.period_id,
        quantities.quantity_id,
        quantities.amount,
        quantities.is_hidden,
        {%- for parent in disclosure_parent_columns() %}
        quantities.{{ parent }},
        {%- endfor %}
        quantities.year_period_id,
        partitions.partition_of_quantity_id,
        thresholds.threshold

    from {{ state }} as quantities
    left join {{ thresholds }} as thresholds
        on quantities.quantity_id = thresholds.quantity_id
    left join {{ partitions }} as partitions
        on quantities.quantity_id = partitions.quantity_id

    union all

    select
        numerators.area_id,
        numerators.area_level,
        numerators.period_id,
        numerators.pair_id as quantity_id,
        denominators.amount - numerators.amount as amount,
        numerators.is_hidden or denominators.is_hidden as is_hidden,
        {%- for parent in disclosure_parent_columns() %}
        numerators.{{ parent }},
        {%- endfor %}
        numerators.year_period_id,
        null::integer as partition_of_quantity_id,
        thresholds.threshold

    from {{ state }}_numerators as numerators
    inner join {{ state }} as denominators
        on
            numerators.area_id = denominators.area_id
            and numerators.period_id = denominators.period_id
            and numerators.denominator_quantity_id = denominators.quantity_id
    inner join {{ thresholds }} as thresholds
        on numerators.pair_id = thresholds.quantity_id

)
{%- endmacro %}
