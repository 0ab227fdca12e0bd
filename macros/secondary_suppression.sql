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

{#- The CTE `<name>`: per parent (parent_key, parent_period_code, quantity_code,
    child_level) the sum of the hidden non-zero children among `quantities`. -#}
{% macro disclosure_hidden_sums(quantities, name) -%}
{%- set parents = ['parent_pc4_key', 'parent_wijk_key', 'parent_gemeente_key',
                   'parent_regio_key'] %}
-- per parent: the sum of its hidden children (one pass, every relation at once)
{{ name }} as (

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

    from {{ quantities }}
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

)
{%- endmacro %}

{#- CTEs `<name>_hidden_sums` and `<name>_leaks` (parent_key, parent_period_code,
    quantity_code, child_level, residual) over `<name>_quantities` and `slivers`. -#}
{% macro disclosure_leaks(name) -%}
{{ disclosure_hidden_sums(name ~ '_quantities', name ~ '_hidden_sums') }},

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

{#- One round over the base state `<base>` (with `<base>_quantities`,
    `<base>_hidden_sums` and `<base>_leaks` from disclosure_leaks): the CTEs
    `<name>_leaks` (what leaks after the previous rounds), `<name>_picks` (the
    quantities this round hides), `<name>_hidden` (every row of `<base>_quantities`
    hidden by the picks of this and the previous rounds, differences included),
    `<name>_hidden_sums` (their sums per parent) and `<name>`, the new state.

    Rounds after the first are incremental: hidden flags only ever turn on, the
    slivers never change, so a parent can only start leaking when the sum of its
    hidden children changes. Only the parents that leaked in the previous round or
    have a child hidden by some round are evaluated again; their hidden sum is the
    base's plus that of the rows the rounds hid. -#}
{% macro secondary_suppression_round(base, previous, name) -%}
{%- set parents = ['parent_pc4_key', 'parent_wijk_key', 'parent_gemeente_key',
                   'parent_regio_key'] %}
{%- set group_keys = ['parent_key', 'parent_period_code', 'quantity_code',
                      'child_level'] %}
{%- if previous is none %}
{{ name }}_leaks as (

    select * from {{ base }}_leaks

),

-- what the base publishes: only these can be hidden by a round
{{ base }}_published as (

    select
        area_key,
        period_code,
        period_year,
        period_month,
        quantity_code,
        amount,
        {%- for parent in parents %}
        {{ parent }},
        {%- endfor %}
        year_period_code,
        partition_of_quantity_code,
        threshold

    from {{ base }}_quantities
    where not is_hidden

),
{%- else %}
{{ name }}_rechecked as (

    select
        parent_key,
        parent_period_code,
        quantity_code,
        child_level

    from {{ previous }}_leaks
    where child_level <> 'zelf'

    union

    select
        parent_key,
        parent_period_code,
        quantity_code,
        child_level

    from {{ previous }}_hidden_sums

),

{{ name }}_leaks as (

    select
        rechecked.parent_key,
        rechecked.parent_period_code,
        rechecked.quantity_code,
        rechecked.child_level,
        coalesce(slivers.sliver_amount, 0)
        + coalesce(base_sums.hidden_amount, 0)
        + coalesce(added_sums.hidden_amount, 0) as residual

    from {{ name }}_rechecked as rechecked
    inner join {{ base }}_published as parents
        on
            rechecked.parent_key = parents.area_key
            and rechecked.parent_period_code = parents.period_code
            and rechecked.quantity_code = parents.quantity_code
    left join {{ previous }}_hidden as hidden_parents
        on
            parents.area_key = hidden_parents.area_key
            and parents.period_code = hidden_parents.period_code
            and parents.quantity_code = hidden_parents.quantity_code
    left join slivers
        on
            rechecked.parent_key = slivers.parent_key
            and rechecked.parent_period_code = slivers.period_code
            and rechecked.quantity_code = slivers.quantity_code
            and rechecked.child_level = slivers.child_level
    left join {{ base }}_hidden_sums as base_sums
        on
            {%- for key in group_keys %}
            rechecked.{{ key }} = base_sums.{{ key }}
            {{- ' and' if not loop.last }}
            {%- endfor %}
    left join {{ previous }}_hidden_sums as added_sums
        on
            {%- for key in group_keys %}
            rechecked.{{ key }} = added_sums.{{ key }}
            {{- ' and' if not loop.last }}
            {%- endfor %}
    where
        hidden_parents.area_key is null
        and coalesce(slivers.sliver_amount, 0)
        + coalesce(base_sums.hidden_amount, 0)
        + coalesce(added_sums.hidden_amount, 0)
        between 1 and parents.threshold - 1

    union all

    -- a small difference leaks until it is hidden
    select leaks.*

    from {{ previous }}_leaks as leaks
    left join {{ previous }}_hidden as hidden
        on
            leaks.parent_key = hidden.area_key
            and leaks.parent_period_code = hidden.period_code
            and leaks.quantity_code = hidden.quantity_code
    where leaks.child_level = 'zelf' and hidden.area_key is null

),
{%- endif %}

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
{{ name }}_children as (
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
    inner join {{ base }}_published as children
        on
            leaks.parent_key = children.{{ key }}
            and leaks.parent_period_code = children.{{ period }}
            and leaks.quantity_code = children.{{ quantity }}
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
            children.area_key = hidden.area_key
            and children.period_code = hidden.period_code
            and children.child_quantity_code = hidden.quantity_code
    where hidden.area_key is null
    {%- endif %}

),

{{ name }}_picks as (

    select distinct
        area_key,
        period_code,
        quantity_code

    from (
        select distinct on (
            leaks.parent_key,
            leaks.parent_period_code,
            leaks.quantity_code,
            leaks.child_level
        )
            coalesce(candidates.area_key, leaks.parent_key) as area_key,
            coalesce(candidates.period_code, leaks.parent_period_code)
                as period_code,
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
            candidates.period_code,
            -- parts of one whole with equal amounts: any, but always the same
            candidates.child_quantity_code
    ) as picked_per_leak

),

-- a picked quantity hides itself and every difference it is a side of
{{ name }}_hiding as (

    select
        area_key,
        period_code,
        quantity_code

    from {{ name }}_picks

    union

    select
        picks.area_key,
        picks.period_code,
        share_pairs.pair_code

    from {{ name }}_picks as picks
    inner join share_pairs
        on picks.quantity_code = share_pairs.numerator_quantity_code

    union

    select
        picks.area_key,
        picks.period_code,
        share_pairs.pair_code

    from {{ name }}_picks as picks
    inner join share_pairs
        on picks.quantity_code = share_pairs.denominator_quantity_code

),

{{ name }}_hidden as (
    {%- if previous is not none %}

    select * from {{ previous }}_hidden

    union all
    {%- endif %}

    select
        quantities.area_key,
        quantities.period_code,
        quantities.period_year,
        quantities.period_month,
        quantities.quantity_code,
        quantities.amount,
        true as is_hidden,
        {%- for parent in parents %}
        quantities.{{ parent }},
        {%- endfor %}
        quantities.year_period_code,
        quantities.partition_of_quantity_code,
        quantities.threshold

    from {{ base }}_published as quantities
    inner join {{ name }}_hiding as hiding
        on
            quantities.area_key = hiding.area_key
            and quantities.period_code = hiding.period_code
            and quantities.quantity_code = hiding.quantity_code
    {%- if previous is not none %}
    left join {{ previous }}_hidden as hidden
        on
            quantities.area_key = hidden.area_key
            and quantities.period_code = hidden.period_code
            and quantities.quantity_code = hidden.quantity_code
    where hidden.area_key is null
    {%- endif %}

),

{{ disclosure_hidden_sums(name ~ '_hidden', name ~ '_hidden_sums') }}
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
        wijken.amount - coalesce(children.amount, 0) as sliver_amount

    from {{ state }} as wijken
    -- the parts are summed before the join: far fewer rows to match
    left join (
        select
            parent_wijk_key,
            period_code,
            quantity_code,
            sum(amount) as amount

        from {{ state }}
        where parent_wijk_key is not null
        group by parent_wijk_key, period_code, quantity_code
    ) as children
        on
            wijken.area_key = children.parent_wijk_key
            and wijken.period_code = children.period_code
            and wijken.quantity_code = children.quantity_code
    where wijken.area_key like 'wijk:%'

)
{%- endmacro %}
