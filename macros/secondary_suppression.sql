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

    The state is a CTE on compact keys (compact_area_id, compact_period_id,
    compact_quantity_id: integers hash joins and aggregates handle far faster than the
    text keys) with area_id, area_level, period_id, quantity_id, amount, is_hidden and
    the parent keys of the area (parent_pc4_id, parent_wijk_id, parent_gemeente_id,
    parent_regio_id; null where the area has no such parent) plus year_period_id (a
    month's year, else null); disclosure_state builds it.
    Besides areas and months, a whole that its parts partition exactly (crimes =
    burglaries + violence + vandalism) is a parent of its parts in the same area and
    period; and every declared subset's difference from its whole is protected like a
    share's complement. disclosure_reference_ctes defines `thresholds`, `share_pairs`,
    `partitions` and `parent_ids`.
-#}


{#- The CTEs `<name>_numerators` and `<name>_quantities`: the state plus the
    complement (denominator minus numerator) of every share as a quantity of its own,
    each with its threshold. Each numerator is paired with its denominator's quantity
    first, behind a materialisation fence: joining numerators and denominators on area
    and period alone (a plan the planner may choose) makes every quantity of an area
    meet every other, a result 57 times the state. -#}
{% macro disclosure_quantities(state, name) -%}
{%- set parents = ['parent_pc4_id', 'parent_wijk_id', 'parent_gemeente_id',
                   'parent_regio_id'] %}
{{ name }}_numerators as materialized (

    select
        numerators.*,
        share_pairs.pair_id,
        share_pairs.denominator_quantity_id

    from {{ state }} as numerators
    inner join share_pairs
        on numerators.quantity_id = share_pairs.numerator_quantity_id

),

{{ name }}_quantities as (

    select
        quantities.area_id,
        quantities.area_level,
        quantities.period_id,
        quantities.quantity_id,
        quantities.amount,
        quantities.is_hidden,
        {%- for parent in parents %}
        quantities.{{ parent }},
        {%- endfor %}
        quantities.year_period_id,
        partitions.partition_of_quantity_id,
        thresholds.threshold

    from {{ state }} as quantities
    left join thresholds on quantities.quantity_id = thresholds.quantity_id
    left join partitions on quantities.quantity_id = partitions.quantity_id

    union all

    select
        numerators.area_id,
        numerators.area_level,
        numerators.period_id,
        numerators.pair_id as quantity_id,
        denominators.amount - numerators.amount as amount,
        numerators.is_hidden or denominators.is_hidden as is_hidden,
        {%- for parent in parents %}
        numerators.{{ parent }},
        {%- endfor %}
        numerators.year_period_id,
        null::integer as partition_of_quantity_id,
        thresholds.threshold

    from {{ name }}_numerators as numerators
    inner join {{ state }} as denominators
        on
            numerators.area_id = denominators.area_id
            and numerators.period_id = denominators.period_id
            and numerators.denominator_quantity_id = denominators.quantity_id
    inner join thresholds on numerators.pair_id = thresholds.quantity_id

)
{%- endmacro %}

{#- The CTE `<name>`: per parent (parent_id, parent_period_id, quantity_id,
    child_level) the sum of the hidden non-zero children among `quantities`. -#}
{% macro disclosure_hidden_sums(quantities, name) -%}
{%- set parents = ['parent_pc4_id', 'parent_wijk_id', 'parent_gemeente_id',
                   'parent_regio_id'] %}
-- per parent: the sum of its hidden children (one pass, every relation at once)
{{ name }} as (

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

)
{%- endmacro %}

{#- CTEs `<name>_hidden_sums` and `<name>_leaks` (parent_id, parent_period_id,
    quantity_id, child_level, residual) over `<name>_quantities` and `slivers`. -#}
{% macro disclosure_leaks(name) -%}
{{ disclosure_hidden_sums(name ~ '_quantities', name ~ '_hidden_sums') }},

{{ name }}_leaks as (

    select
        parents.area_id as parent_id,
        parents.period_id as parent_period_id,
        parents.quantity_id,
        coalesce(hidden_sums.child_level, slivers.child_level) as child_level,
        coalesce(slivers.sliver_amount, 0)
        + coalesce(hidden_sums.hidden_amount, 0) as residual

    from {{ name }}_hidden_sums as hidden_sums
    full outer join slivers
        on
            hidden_sums.parent_id = slivers.parent_id
            and hidden_sums.parent_period_id = slivers.period_id
            and hidden_sums.quantity_id = slivers.quantity_id
            and hidden_sums.child_level = slivers.child_level
    inner join {{ name }}_quantities as parents
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

    from {{ name }}_quantities as differences
    inner join share_pairs on differences.quantity_id = share_pairs.pair_id
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
{%- set parents = ['parent_pc4_id', 'parent_wijk_id', 'parent_gemeente_id',
                   'parent_regio_id'] %}
{%- set group_keys = ['parent_id', 'parent_period_id', 'quantity_id',
                      'child_level'] %}
{%- if previous is none %}
{{ name }}_leaks as (

    select * from {{ base }}_leaks

),

-- what the base publishes: only these can be hidden by a round
{{ base }}_published as (

    select
        area_id,
        area_level,
        period_id,
        quantity_id,
        amount,
        {%- for parent in parents %}
        {{ parent }},
        {%- endfor %}
        year_period_id,
        partition_of_quantity_id,
        threshold

    from {{ base }}_quantities
    where not is_hidden

),
{%- else %}
{{ name }}_rechecked as (

    select
        parent_id,
        parent_period_id,
        quantity_id,
        child_level

    from {{ previous }}_leaks
    where child_level <> 'zelf'

    union

    select
        parent_id,
        parent_period_id,
        quantity_id,
        child_level

    from {{ previous }}_hidden_sums

),

{{ name }}_leaks as (

    select
        rechecked.parent_id,
        rechecked.parent_period_id,
        rechecked.quantity_id,
        rechecked.child_level,
        coalesce(slivers.sliver_amount, 0)
        + coalesce(base_sums.hidden_amount, 0)
        + coalesce(added_sums.hidden_amount, 0) as residual

    from {{ name }}_rechecked as rechecked
    inner join {{ base }}_published as parents
        on
            rechecked.parent_id = parents.area_id
            and rechecked.parent_period_id = parents.period_id
            and rechecked.quantity_id = parents.quantity_id
    left join {{ previous }}_hidden as hidden_parents
        on
            parents.area_id = hidden_parents.area_id
            and parents.period_id = hidden_parents.period_id
            and parents.quantity_id = hidden_parents.quantity_id
    left join slivers
        on
            rechecked.parent_id = slivers.parent_id
            and rechecked.parent_period_id = slivers.period_id
            and rechecked.quantity_id = slivers.quantity_id
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
        hidden_parents.area_id is null
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
            leaks.parent_id = hidden.area_id
            and leaks.parent_period_id = hidden.period_id
            and leaks.quantity_id = hidden.quantity_id
    where leaks.child_level = 'zelf' and hidden.area_id is null

),
{%- endif %}

-- the published non-zero children of every leaking parent: (column of the child
-- matching the parent's key, of its period, of its quantity, the relation's name)
{%- set relations = [] %}
{%- for parent in parents %}
{%- do relations.append(
    (parent, 'period_id', 'quantity_id', "children.area_level")
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
        left join share_pairs
            on
                coalesce(candidates.child_quantity_id, leaks.quantity_id)
                = share_pairs.pair_id
        order by
            leaks.parent_id,
            leaks.parent_period_id,
            leaks.quantity_id,
            leaks.child_level,
            candidates.amount asc nulls last,
            candidates.area_id,
            candidates.period_id,
            -- parts of one whole with equal amounts: any, but always the same
            candidates.child_quantity_id
    ) as picked_per_leak

),

-- a picked quantity hides itself and every difference it is a side of
{{ name }}_hiding as (

    select
        area_id,
        period_id,
        quantity_id

    from {{ name }}_picks

    union

    select
        picks.area_id,
        picks.period_id,
        share_pairs.pair_id

    from {{ name }}_picks as picks
    inner join share_pairs
        on picks.quantity_id = share_pairs.numerator_quantity_id

    union

    select
        picks.area_id,
        picks.period_id,
        share_pairs.pair_id

    from {{ name }}_picks as picks
    inner join share_pairs
        on picks.quantity_id = share_pairs.denominator_quantity_id

),

{{ name }}_hidden as (
    {%- if previous is not none %}

    select * from {{ previous }}_hidden

    union all
    {%- endif %}

    select
        quantities.area_id,
        quantities.area_level,
        quantities.period_id,
        quantities.quantity_id,
        quantities.amount,
        true as is_hidden,
        {%- for parent in parents %}
        quantities.{{ parent }},
        {%- endfor %}
        quantities.year_period_id,
        quantities.partition_of_quantity_id,
        quantities.threshold

    from {{ base }}_published as quantities
    inner join {{ name }}_hiding as hiding
        on
            quantities.area_id = hiding.area_id
            and quantities.period_id = hiding.period_id
            and quantities.quantity_id = hiding.quantity_id
    {%- if previous is not none %}
    left join {{ previous }}_hidden as hidden
        on
            quantities.area_id = hidden.area_id
            and quantities.period_id = hidden.period_id
            and quantities.quantity_id = hidden.quantity_id
    where hidden.area_id is null
    {%- endif %}

),

{{ disclosure_hidden_sums(name ~ '_hidden', name ~ '_hidden_sums') }}
{%- endmacro %}

{#- The CTEs `parent_ids` (per child area key: the compact key of its parent at
    each level), `share_pairs`, `partitions` and `thresholds` (the largest threshold per
    quantity and per share complement), all on compact keys (see compact_area_id). -#}
{% macro disclosure_reference_ctes(area_relations, indicators, indicator_quantities) -%}
parent_ids as (

    select
        -- the text key, so that the planner can estimate the join with a quantity table
        {{ area_key(
            'child_level', 'child_area_code', 'child_municipality_code'
        ) }} as child_key,
        {%- for level in ['pc4', 'wijk', 'gemeente', 'regio'] %}
        max({{ compact_area_id(area_key(
            'parent_level', 'parent_area_code', 'parent_municipality_code'
        )) }}) filter (where parent_level = '{{ level }}')
            as parent_{{ level }}_id{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ area_relations }}
    group by child_level, child_area_code, child_municipality_code

),

-- a share's numerator within its denominator, and every declared subset within its
-- whole: the difference is a group of people (or events) of its own
share_pair_codes as (

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

share_pairs as (

    select
        {{ compact_quantity_id('pair_code') }} as pair_id,
        {{ compact_quantity_id('numerator_quantity_code') }}
            as numerator_quantity_id,
        {{ compact_quantity_id('denominator_quantity_code') }}
            as denominator_quantity_id

    from share_pair_codes

),

partitions as (

    select
        {{ compact_quantity_id('quantity_code') }} as quantity_id,
        {{ compact_quantity_id('partition_of_quantity_code') }}
            as partition_of_quantity_id

    from {{ indicator_quantities }}
    where partition_of_quantity_code is not null

),

quantity_thresholds as (

    select
        {{ compact_quantity_id('quantity_code') }} as quantity_id,
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
        share_pairs.pair_id,
        coalesce(quantity_thresholds.threshold, {{ var('min_cell_size') }})
    from share_pairs
    left join quantity_thresholds
        on share_pairs.numerator_quantity_id = quantity_thresholds.quantity_id
    where share_pairs.pair_id not in (
        select quantity_thresholds.quantity_id from quantity_thresholds
    )

)
{%- endmacro %}

{#- The state CTE body on compact keys from a relation in the long layout of
    int_area_quantities (area_key, area_level, period_code, quantity_code, amount),
    with `is_hidden` as given, the parent keys from `parent_ids`, and a month's year. -#}
{% macro disclosure_state(quantities, is_hidden) -%}
    select
        {{ compact_area_id('quantities.area_key') }} as area_id,
        quantities.area_level,
        {{ compact_period_id('quantities.period_code') }} as period_id,
        {{ compact_quantity_id('quantities.quantity_code') }} as quantity_id,
        quantities.amount,
        {{ is_hidden }} as is_hidden,
        parent_ids.parent_pc4_id,
        parent_ids.parent_wijk_id,
        parent_ids.parent_gemeente_id,
        parent_ids.parent_regio_id,
        -- a month lies within its year
        case
            when quantities.period_month is not null
                then quantities.period_year * 100
        end as year_period_id

    from {{ quantities }} as quantities
    left join parent_ids on quantities.area_key = parent_ids.child_key
{%- endmacro %}

{#- The CTE `slivers` for a state CTE: per wijk, period and quantity (and share
    complement), the wijk minus all PC6 parts wholly inside it. -#}
{% macro disclosure_slivers(state) -%}
slivers as (

    select
        wijken.area_id as parent_id,
        wijken.period_id,
        wijken.quantity_id,
        'pc6' as child_level,
        wijken.amount - coalesce(children.amount, 0) as sliver_amount

    from {{ state }} as wijken
    -- the parts are summed before the join: far fewer rows to match
    left join (
        select
            parent_wijk_id,
            period_id,
            quantity_id,
            sum(amount) as amount

        from {{ state }}
        where parent_wijk_id is not null
        group by parent_wijk_id, period_id, quantity_id
    ) as children
        on
            wijken.area_id = children.parent_wijk_id
            and wijken.period_id = children.period_id
            and wijken.quantity_id = children.quantity_id
    where wijken.area_level = 'wijk'

)
{%- endmacro %}
