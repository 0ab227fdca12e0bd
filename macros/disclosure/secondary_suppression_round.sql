{#-
    Secondary suppression: no withheld quantity may be recovered as a small number by
    differencing published ones (see disclosure_leaks). The unit of protection is a
    quantity of one area and period (a count such as "inhabitants 65+"); an indicator
    cell is published only when its numerator and denominator quantities both are, so
    a hidden quantity is hidden in every indicator that shares it. A parent that leaks
    hides its smallest published non-zero child (or, if there is none, itself); rounds
    repeat this until nothing leaks.

    A model runs it as: the relations of disclosure_parent_ids, disclosure_share_pairs,
    disclosure_partitions and disclosure_thresholds; a state (disclosure_state) named
    e.g. round_0; disclosure_quantities and disclosure_slivers on it;
    disclosure_leaks('round_0', ...); then secondary_suppression_round('round_0', none,
    'round_1', ...), ('round_0', 'round_1', 'round_2', ...) and so on. The last round's
    `<name>_hidden` holds every quantity the rounds hid.
-#}

{#- One round over the base state `base` (with the `<base>_quantities`,
    `<base>_hidden_sums` and `<base>_leaks` of disclosure_quantities and
    disclosure_leaks) after the round `previous` (none for the first): the CTEs
    `<name>_leaks` (what leaks after the previous rounds), `<name>_picks` (the
    quantities this round hides), `<name>_hidden` (every row of `<base>_quantities`
    hidden by the picks of this and the previous rounds, differences included),
    `<name>_hidden_sums` (their sums per parent) and a few on the way. `slivers` and
    `share_pairs` are the relations of disclosure_slivers and
    disclosure_share_pairs. -#}
{% macro secondary_suppression_round(base, previous, name, slivers, share_pairs) -%}
{{ secondary_suppression_leaks(base, previous, name, slivers) }},

{{ secondary_suppression_picks(base, previous, name, share_pairs) }},

{{ secondary_suppression_hidden(base, previous, name, share_pairs) }}
{%- endmacro %}

{#- The CTE `<name>_leaks` of a round (and, in the first, `<base>_published`: what the
    base publishes, the only rows a round can hide). Rounds after the first are
    incremental: hidden flags only ever turn on, the slivers never change, so a parent
    can only start leaking when the sum of its hidden children changes. Only the
    parents that leaked in the previous round or have a child hidden by some round are
    evaluated again; their hidden sum is the base's plus that of the rows the rounds
    hid. -#}
{% macro secondary_suppression_leaks(base, previous, name, slivers) -%}
{%- set leak_keys = ['parent_id', 'parent_period_id', 'quantity_id', 'child_level'] %}
{%- if previous is none %}
{{ name }}_leaks as (

    select * from {{ base }}_leaks

),

{{ base }}_published as (

    select
        area_id,
        area_level,
        period_id,
        quantity_id,
        amount,
        {%- for parent in disclosure_parent_columns() %}
        {{ parent }},
        {%- endfor %}
        year_period_id,
        partition_of_quantity_id,
        threshold

    from {{ base }}_quantities
    where not is_hidden

)
{%- else %}
{{ name }}_rechecked as (

    select {{ leak_keys | join(', ') }}
    from {{ previous }}_leaks
    where child_level <> 'zelf'

    union

    select {{ leak_keys | join(', ') }}
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
    left join {{ slivers }} as slivers
        on
            rechecked.parent_id = slivers.parent_id
            and rechecked.parent_period_id = slivers.period_id
            and rechecked.quantity_id = slivers.quantity_id
            and rechecked.child_level = slivers.child_level
    {%- for sums, alias in [(base, 'base_sums'), (previous, 'added_sums')] %}
    left join {{ sums }}_hidden_sums as {{ alias }}
        on
            {%- for key in leak_keys %}
            rechecked.{{ key }} = {{ alias }}.{{ key }}
            {{- ' and' if not loop.last }}
            {%- endfor %}
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

)
{%- endif %}
{%- endmacro %}
