{#-
    Secondary suppression: no withheld quantity may be recovered as a small number by
    differencing published ones. The unit of protection is a quantity of one area and
    period (a count such as "inhabitants 65+"); an indicator cell is published only
    when its numerator and denominator quantities both are, so a hidden quantity is
    hidden in every indicator that shares it.

    For every parent whose quantity is published, parent minus its published children
    must be 0 or at least the quantity's threshold: PC6 in PC4, wijk, gemeente and regio;
    PC4 in gemeente and regio; wijk in gemeente and regio; gemeente in regio; months in
    their year (event quantities); and likewise the complement (denominator minus
    numerator) of every share. Children partition their parent except PC6 parts in a
    wijk (only parts wholly inside it are its children), so parent minus published
    children = the sliver the children leave (zero for a partition) + the hidden
    children. A parent that leaks hides its smallest published non-zero child (or, if
    there is none, itself); rounds repeat this until nothing leaks.

    The state is a CTE with area_key, period_code, period_year, period_month,
    quantity_code, amount, is_hidden, hidden_rule and the parent keys of the area
    (parent_pc4_key, parent_wijk_key, parent_gemeente_key, parent_regio_key; null where
    the area has no such parent) plus year_period_code (a month's year, else null).
    Besides areas and months, a whole that its parts partition exactly (crimes =
    burglaries + violence + vandalism) is a parent of its parts in the same area and
    period; and every declared subset's difference from its whole is protected like a
    share's complement. disclosure_reference_ctes defines `thresholds`, `share_pairs`,
    `partitions` and `parent_keys`.
-#}


{#- The CTE `<name>_quantities`: the state plus the complement (denominator minus
    numerator) of every share as a quantity of its own, each with its threshold. -#}
{% macro disclosure_quantities(state, name) -%}
{%- set parents = ['parent_pc4_key', 'parent_wijk_key', 'parent_gemeente_key',
                   'parent_regio_key'] %}
{{ name }}_quantities as (

    select
        quantities.area_key,
        quantities.period_code,
        quantities.period_year,
        quantities.period_month,
        quantities.quantity_code,
        quantities.amount,
        quantities.is_hidden,
        quantities.hidden_rule,
        {%- for parent in parents %}
        quantities.{{ parent }},
        {%- endfor %}
        quantities.year_period_code,
        partitions.partition_of_quantity_code,
        thresholds.threshold

    from {{ state }} as quantities
    left join thresholds on quantities.quantity_code = thresholds.quantity_code
    left join partitions on quantities.quantity_code = partitions.quantity_code

    union all

    select
        numerators.area_key,
        numerators.period_code,
        numerators.period_year,
        numerators.period_month,
        share_pairs.pair_code as quantity_code,
        denominators.amount - numerators.amount as amount,
        numerators.is_hidden or denominators.is_hidden as is_hidden,
        null::text as hidden_rule,
        {%- for parent in parents %}
        numerators.{{ parent }},
        {%- endfor %}
        numerators.year_period_code,
        null::text as partition_of_quantity_code,
        thresholds.threshold

    from {{ state }} as numerators
    inner join share_pairs
        on numerators.quantity_code = share_pairs.numerator_quantity_code
    inner join {{ state }} as denominators
        on
            numerators.area_key = denominators.area_key
            and numerators.period_code = denominators.period_code
            and share_pairs.denominator_quantity_code = denominators.quantity_code
    inner join thresholds on share_pairs.pair_code = thresholds.quantity_code

)
{%- endmacro %}

{#- CTEs `<name>_hidden_sums` and `<name>_leaks` (parent_key, parent_period_code,
    quantity_code, residual) over `<name>_quantities` and `slivers`. -#}
{% macro disclosure_leaks(name) -%}
{%- set parents = ['parent_pc4_key', 'parent_wijk_key', 'parent_gemeente_key',
                   'parent_regio_key'] %}
-- per parent: the sum of its hidden children (one pass, every relation at once)
{{ name }}_hidden_sums as (

    select
        case
            {%- for parent in parents %}
            when grouping({{ parent }}) = 0 then {{ parent }}
            {%- endfor %}
            else area_key
        end as parent_key,
        coalesce(year_period_code, period_code) as parent_period_code,
        coalesce(partition_of_quantity_code, quantity_code) as quantity_code,
        case
            when grouping(partition_of_quantity_code) = 0 then 'deel'
            when grouping(area_key) = 0 then 'maand'
            else split_part(area_key, ':', 1)
        end as child_level,
        sum(amount) as hidden_amount

    from {{ name }}_quantities
    where is_hidden and amount > 0 and threshold is not null
    group by grouping sets (
        {%- for parent in parents %}
        ({{ parent }}, split_part(area_key, ':', 1), period_code, quantity_code),
        {%- endfor %}
        (area_key, year_period_code, quantity_code),
        (area_key, period_code, partition_of_quantity_code)
    )
    having
        (
            grouping(partition_of_quantity_code) = 0
            and partition_of_quantity_code is not null
        ) or
        {%- for parent in parents %}
        (grouping({{ parent }}) = 0 and {{ parent }} is not null) or
        {%- endfor %}
        (
            grouping(area_key) = 0
            and grouping(partition_of_quantity_code) = 1
            and year_period_code is not null
        )

),

{{ name }}_leaks as (

    select
        parents.area_key as parent_key,
        parents.period_code as parent_period_code,
        parents.quantity_code,
        coalesce(hidden_sums.child_level, slivers.child_level) as child_level,
        coalesce(slivers.sliver_amount, 0)
        + coalesce(hidden_sums.hidden_amount, 0) as residual

    from {{ name }}_hidden_sums as hidden_sums
    full outer join slivers
        on
            hidden_sums.parent_key = slivers.parent_key
            and hidden_sums.parent_period_code = slivers.period_code
            and hidden_sums.quantity_code = slivers.quantity_code
            and hidden_sums.child_level = slivers.child_level
    inner join {{ name }}_quantities as parents
        on
            coalesce(hidden_sums.parent_key, slivers.parent_key) = parents.area_key
            and coalesce(hidden_sums.parent_period_code, slivers.period_code)
            = parents.period_code
            and coalesce(hidden_sums.quantity_code, slivers.quantity_code)
            = parents.quantity_code
    where
        not parents.is_hidden
        and coalesce(slivers.sliver_amount, 0)
        + coalesce(hidden_sums.hidden_amount, 0)
        between 1 and parents.threshold - 1

    union all

    -- a subset and its whole both published in one area, their difference small
    select
        differences.area_key as parent_key,
        differences.period_code as parent_period_code,
        differences.quantity_code,
        'zelf' as child_level,
        differences.amount as residual

    from {{ name }}_quantities as differences
    inner join share_pairs on differences.quantity_code = share_pairs.pair_code
    where
        not differences.is_hidden
        and differences.amount between 1 and differences.threshold - 1

)
{%- endmacro %}

{#- One round: the CTEs of disclosure_leaks plus `<name>_picks` and the new state
    `<name>` (the previous state with the picked quantities hidden). -#}
{% macro secondary_suppression_round(previous, name) -%}
{%- set parents = ['parent_pc4_key', 'parent_wijk_key', 'parent_gemeente_key',
                   'parent_regio_key'] %}
{{ disclosure_quantities(previous, name) }},

{{ disclosure_leaks(name) }},

-- the published non-zero children of every leaking parent: (column of the child
-- matching the parent's key, of its period, of its quantity, the relation's name)
{%- set relations = [] %}
{%- for parent in parents %}
{%- do relations.append(
    (parent, 'period_code', 'quantity_code', "split_part(children.area_key, ':', 1)")
) %}
{%- endfor %}
{%- do relations.append(('area_key', 'year_period_code', 'quantity_code', "'maand'")) %}
{%- do relations.append(
    ('area_key', 'period_code', 'partition_of_quantity_code', "'deel'")
) %}
{{ name }}_candidates as (
    {%- for key, period, quantity, child_level in relations %}

    select
        leaks.parent_key,
        leaks.parent_period_code,
        leaks.quantity_code,
        leaks.child_level,
        children.area_key,
        children.period_code,
        children.quantity_code as child_quantity_code,
        children.amount

    from {{ name }}_leaks as leaks
    inner join {{ name }}_quantities as children
        on
            leaks.parent_key = children.{{ key }}
            and leaks.parent_period_code = children.{{ period }}
            and leaks.quantity_code = children.{{ quantity }}
            and leaks.child_level = {{ child_level }}
    where not children.is_hidden and children.amount > 0
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

{{ name }}_picks as (

    select distinct on (
        leaks.parent_key,
        leaks.parent_period_code,
        leaks.quantity_code,
        leaks.child_level
    )
        coalesce(candidates.area_key, leaks.parent_key) as area_key,
        coalesce(candidates.period_code, leaks.parent_period_code) as period_code,
        -- a complement is protected by hiding its numerator
        coalesce(
            share_pairs.numerator_quantity_code,
            candidates.child_quantity_code,
            leaks.quantity_code
        ) as quantity_code

    from {{ name }}_leaks as leaks
    left join {{ name }}_candidates as candidates
        on
            leaks.parent_key = candidates.parent_key
            and leaks.parent_period_code = candidates.parent_period_code
            and leaks.quantity_code = candidates.quantity_code
            and leaks.child_level = candidates.child_level
    left join share_pairs
        on
            coalesce(candidates.child_quantity_code, leaks.quantity_code)
            = share_pairs.pair_code
    order by
        leaks.parent_key,
        leaks.parent_period_code,
        leaks.quantity_code,
        leaks.child_level,
        candidates.amount asc nulls last,
        candidates.area_key,
        candidates.period_code

),

{{ name }} as (

    select
        state.area_key,
        state.period_code,
        state.period_year,
        state.period_month,
        state.quantity_code,
        state.amount,
        state.is_hidden or picks.area_key is not null as is_hidden,
        case
            when state.is_hidden then state.hidden_rule
            when picks.area_key is not null then 'secundair'
        end as hidden_rule,
        {%- for parent in parents %}
        state.{{ parent }},
        {%- endfor %}
        state.year_period_code

    from {{ previous }} as state
    left join (select distinct * from {{ name }}_picks) as picks
        on
            state.area_key = picks.area_key
            and state.period_code = picks.period_code
            and state.quantity_code = picks.quantity_code

)
{%- endmacro %}

{#- The CTEs `parent_keys` (per child area: its parent key at each level),
    `share_pairs`, `thresholds` (the largest threshold per quantity and per share
    complement) and, from a state CTE without hidden quantities, `slivers`: what the
    children of a parent that they do not partition (PC6 parts in a wijk) leave of it. -#}
{% macro disclosure_reference_ctes(area_relations, indicators, indicator_quantities) -%}
parent_keys as (

    select
        {{ area_key(
            'child_level', 'child_area_code', 'child_municipality_code'
        ) }} as child_key,
        {%- for level in ['pc4', 'wijk', 'gemeente', 'regio'] %}
        max({{ area_key(
            'parent_level', 'parent_area_code', 'parent_municipality_code'
        ) }}) filter (where parent_level = '{{ level }}')
            as parent_{{ level }}_key{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ area_relations }}
    group by child_level, child_area_code, child_municipality_code

),

-- a share's numerator within its denominator, and every declared subset within its
-- whole: the difference is a group of people (or events) of its own
share_pairs as (

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

),

partitions as (

    select
        quantity_code,
        partition_of_quantity_code

    from {{ indicator_quantities }}
    where partition_of_quantity_code is not null

),

quantity_thresholds as (

    select
        quantity_code,
        max(threshold) as threshold

    from (
        -- a count of people with a characteristic
        select
            numerator_quantity_code as quantity_code,
            {{ effective_min_cell_size(indicators) }} as threshold
        from {{ indicators }}
        where unit <> 'euro'

        union all

        -- the group a figure is about
        select
            group_quantity_code as quantity_code,
            {{ effective_min_denominator(indicators) }} as threshold
        from {{ indicators }}

        union all

        -- the people in a share's group without the characteristic
        select
            denominator_quantity_code || ' - ' || numerator_quantity_code,
            {{ effective_min_cell_size(indicators) }}
        from {{ indicators }}
        where is_share
    ) as uses
    group by quantity_code

),

thresholds as (

    select * from quantity_thresholds

    union all

    -- a subset's difference from its whole: as strict as for the subset itself
    select
        share_pairs.pair_code,
        coalesce(quantity_thresholds.threshold, {{ var('min_cell_size') }})
    from share_pairs
    left join quantity_thresholds
        on share_pairs.numerator_quantity_code = quantity_thresholds.quantity_code
    where share_pairs.pair_code not in (
        select quantity_thresholds.quantity_code from quantity_thresholds
    )

)
{%- endmacro %}

{#- The CTE `slivers` for a state CTE: per wijk, period and quantity (and share
    complement), the wijk minus all PC6 parts wholly inside it. -#}
{% macro disclosure_slivers(state) -%}
slivers as (

    select
        wijken.area_key as parent_key,
        wijken.period_code,
        wijken.quantity_code,
        'pc6' as child_level,
        wijken.amount - coalesce(sum(children.amount), 0) as sliver_amount

    from {{ state }} as wijken
    left join {{ state }} as children
        on
            wijken.area_key = children.parent_wijk_key
            and wijken.period_code = children.period_code
            and wijken.quantity_code = children.quantity_code
    where wijken.area_key like 'wijk:%'
    group by wijken.area_key, wijken.period_code, wijken.quantity_code, wijken.amount

)
{%- endmacro %}
