{#-
    A leak: a published parent from which a hidden quantity could be derived as a small
    number. For every parent whose quantity is published, parent minus its published
    children must be 0 or at least the quantity's threshold: PC6 in PC4, wijk,
    gemeente and regio; PC4 in gemeente and regio; wijk in gemeente and regio;
    gemeente in regio; months in their year (event quantities); the parts of a whole
    in the same area and period; and likewise the complement of every share pair.
    Children partition their parent except PC6 parts in a wijk (only parts wholly
    inside it are its children), so parent minus published children = the sliver the
    children leave (zero for a partition) + the hidden children.
-#}

{#- Query: per wijk, period and quantity (and share pair) of `quantities` (the
    `<state>_quantities` of disclosure_quantities) the sliver: the wijk minus all PC6
    parts wholly inside it. -#}
{% macro disclosure_slivers(quantities) -%}
    select
        wijken.area_id as parent_id,
        wijken.period_id,
        wijken.quantity_id,
        'pc6' as child_level,
        wijken.amount - coalesce(children.amount, 0) as sliver_amount

    from {{ quantities }} as wijken
    -- the parts are summed before the join: far fewer rows to match
    left join (
        select
            parent_wijk_id,
            period_id,
            quantity_id,
            sum(amount) as amount

        from {{ quantities }}
        where parent_wijk_id is not null
        group by parent_wijk_id, period_id, quantity_id
    ) as children
        on
            wijken.area_id = children.parent_wijk_id
            and wijken.period_id = children.period_id
            and wijken.quantity_id = children.quantity_id
    where wijken.area_level = 'wijk'
{%- endmacro %}

{#- Query: per parent (parent_id, parent_period_id, quantity_id, child_level: the
    children's area level, 'maand' or 'deel') the sum of the hidden non-zero children
    among `quantities` (rows of the layout of the `<state>_quantities` of
    disclosure_quantities), in one pass over every relation at once. -#}
{% macro disclosure_hidden_sums(quantities) -%}
    {%- set parents = disclosure_parent_columns() %}
    select
        case
            {%- for parent in parents %}
            when grouping({{ parent }}) = 0 then {{ parent }}
            {%- endfor %}
            else area_id
        end as parent_id,
        coalesce(year_period_id, period_id) as parent_period_id,
        coalesce(partition_of_quantity_id, quantity_id) as quantity_id,
        case
            when grouping(partition_of_quantity_id) = 0 then 'deel'
            when grouping(area_id) = 0 then 'maand'
            else area_level
        end as child_level,
        sum(amount) as hidden_amount

    from {{ quantities }}
    where is_hidden and amount > 0 and threshold is not null
    group by grouping sets (
        {%- for parent in parents %}
        ({{ parent }}, area_level, period_id, quantity_id),
        {%- endfor %}
        (area_id, year_period_id, quantity_id),
        (area_id, period_id, partition_of_quantity_id)
    )
    having
        (
            grouping(partition_of_quantity_id) = 0
            and partition_of_quantity_id is not null
        ) or
        {%- for parent in parents %}
        (grouping({{ parent }}) = 0 and {{ parent }} is not null) or
        {%- endfor %}
        (
            grouping(area_id) = 0
            and grouping(partition_of_quantity_id) = 1
            and year_period_id is not null
        )
{%- endmacro %}

{#- The CTEs `<state>_hidden_sums` (disclosure_hidden_sums) and `<state>_leaks`
    (parent_id, parent_period_id, quantity_id, child_level, residual) over the
    `<state>_quantities` of disclosure_quantities; `slivers` and `share_pairs` are the
    relations of disclosure_slivers and disclosure_share_pairs. A share pair's
    difference leaks as itself (child_level 'zelf') when it is small. -#}
{% macro disclosure_leaks(state, slivers, share_pairs) -%}
{{ state }}_hidden_sums as (

    {{ disclosure_hidden_sums(state ~ '_quantities') }}

),

{{ state }}_leaks as (

    select
        parents.area_id as parent_id,
        parents.period_id as parent_period_id,
        parents.quantity_id,
        coalesce(hidden_sums.child_level, slivers.child_level) as child_level,
        coalesce(slivers.sliver_amount, 0)
        + coalesce(hidden_sums.hidden_amount, 0) as residual

    from {{ state }}_hidden_sums as hidden_sums
    full outer join {{ slivers }} as slivers
        on
            hidden_sums.parent_id = slivers.parent_id
            and hidden_sums.parent_period_id = slivers.period_id
            and hidden_sums.quantity_id = slivers.quantity_id
            and hidden_sums.child_level = slivers.child_level
    inner join {{ state }}_quantities as parents
        on
            coalesce(hidden_sums.parent_id, slivers.parent_id) = parents.area_id
            and coalesce(hidden_sums.parent_period_id, slivers.period_id)
            = parents.period_id
            and coalesce(hidden_sums.quantity_id, slivers.quantity_id)
            = parents.quantity_id
    where
        not parents.is_hidden
        and coalesce(slivers.sliver_amount, 0)
        + coalesce(hidden_sums.hidden_amount, 0)
        between 1 and parents.threshold - 1

    union all

    -- a subset and its whole both published in one area, their difference small
    select
        differences.area_id as parent_id,
        differences.period_id as parent_period_id,
        differences.quantity_id,
        'zelf' as child_level,
        differences.amount as residual

    from {{ state }}_quantities as differences
    inner join {{ share_pairs }} as share_pairs
        on differences.quantity_id = share_pairs.pair_id
    where
        not differences.is_hidden
        and differences.amount between 1 and differences.threshold - 1

)
{%- endmacro %}
