{#- The CTEs `<name>_children` (the published non-zero children of every leaking
    parent, from `<base>_published`), `<name>_candidates` (those not hidden by an
    earlier round) and `<name>_picks` (area_id, period_id, quantity_id: per leak the
    smallest candidate, or the parent itself if there is none; a share pair's
    complement is protected by hiding its numerator) of a round of
    secondary_suppression_round. `share_pairs`: the relation of
    disclosure_share_pairs. -#}
{% macro secondary_suppression_picks(base, previous, name, share_pairs) -%}
{#- per relation: the child's column matching the parent's key, its period's and its
    quantity's, and the child level of the leak -#}
{%- set relations = [] %}
{%- for parent in disclosure_parent_columns() %}
    {%- do relations.append(
        (parent, 'period_id', 'quantity_id', 'children.area_level')
    ) %}
{%- endfor %}
{%- do relations.append(('area_id', 'year_period_id', 'quantity_id', "'maand'")) %}
{%- do relations.append(
    ('area_id', 'period_id', 'partition_of_quantity_id', "'deel'")
) %}
{{ name }}_children as (
    {%- for key, period, quantity, child_level in relations %}

    select
        leaks.parent_id,
        leaks.parent_period_id,
        leaks.quantity_id,
        leaks.child_level,
        children.area_id,
        children.period_id,
        children.quantity_id as child_quantity_id,
        children.amount

    from {{ name }}_leaks as leaks
    inner join {{ base }}_published as children
        on
            leaks.parent_id = children.{{ key }}
            and leaks.parent_period_id = children.{{ period }}
            and leaks.quantity_id = children.{{ quantity }}
            and leaks.child_level = {{ child_level }}
    where children.amount > 0
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

{{ name }}_candidates as (

    select children.*

    from {{ name }}_children as children
    {%- if previous is not none %}
    left join {{ previous }}_hidden as hidden
        on
            children.area_id = hidden.area_id
            and children.period_id = hidden.period_id
            and children.child_quantity_id = hidden.quantity_id
    where hidden.area_id is null
    {%- endif %}

),

{{ name }}_picks as (

    select distinct
        area_id,
        period_id,
        quantity_id

    from (
        select distinct on (
            leaks.parent_id,
            leaks.parent_period_id,
            leaks.quantity_id,
            leaks.child_level
        )
            coalesce(candidates.area_id, leaks.parent_id) as area_id,
            coalesce(candidates.period_id, leaks.parent_period_id)
                as period_id,
            -- a complement is protected by hiding its numerator
            coalesce(
                share_pairs.numerator_quantity_id,
                candidates.child_quantity_id,
                leaks.quantity_id
            ) as quantity_id

        from {{ name }}_leaks as leaks
        left join {{ name }}_candidates as candidates
            on
                leaks.parent_id = candidates.parent_id
                and leaks.parent_period_id = candidates.parent_period_id
                and leaks.quantity_id = candidates.quantity_id
                and leaks.child_level = candidates.child_level
        left join {{ share_pairs }} as share_pairs
            on
                coalesce(candidates.child_quantity_id, leaks.quantity_id)
                = share_pairs.pair_id
        order by
            leaks.parent_id asc,
            leaks.parent_period_id asc,
            leaks.quantity_id asc,
            leaks.child_level asc,
            candidates.amount asc nulls last,
            candidates.area_id asc,
            candidates.period_id asc,
            -- parts of one whole with equal amounts: any, but always the same
            candidates.child_quantity_id asc
    ) as picked_per_leak

)
{%- endmacro %}
