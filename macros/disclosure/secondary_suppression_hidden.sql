{#- The CTEs `<name>_hiding` (a picked quantity and every share pair it is a side of),
    `<name>_hidden` (the rows of `<base>_published` hidden by this and the previous
    rounds) and `<name>_hidden_sums` (disclosure_hidden_sums of those rows) of a
    round of secondary_suppression_round. `share_pairs`: the relation of
    disclosure_share_pairs. -#}
{% macro secondary_suppression_hidden(base, previous, name, share_pairs) -%}
{{ name }}_hiding as (

    select
        area_id,
        period_id,
        quantity_id

    from {{ name }}_picks
    {%- for side in ['numerator_quantity_id', 'denominator_quantity_id'] %}

    union

    select
        picks.area_id,
        picks.period_id,
        share_pairs.pair_id

    from {{ name }}_picks as picks
    inner join {{ share_pairs }} as share_pairs
        on picks.quantity_id = share_pairs.{{ side }}
    {%- endfor %}

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
        {%- for parent in disclosure_parent_columns() %}
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

{{ name }}_hidden_sums as (

    {{ disclosure_hidden_sums(name ~ '_hidden') }}

)
{%- endmacro %}
