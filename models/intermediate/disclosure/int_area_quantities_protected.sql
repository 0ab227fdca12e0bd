{#- The rounds aggregate and join the whole state a few times: keep that in memory.
    Row estimates of CTEs are rough; a nested loop over them is never right, and
    sorting millions of rows for a merge join costs more than hashing them. The unique
    index on the compact keys also catches a hash collision (see compact_area_id). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period_year',
    on_schema_change='fail',
    pre_hook=planner_settings({
        'work_mem': "'256MB'",
        'enable_nestloop': 'off',
        'enable_mergejoin': 'off',
    }),
    indexes=[{'columns': ['area_id', 'period_id', 'quantity_id'], 'unique': true}],
) }}

-- Every quantity per area and period with the decision whether it may be published:
-- hidden by a primary rule of a cell that uses it ('primair'), or by secondary
-- suppression so that it cannot be recovered by differencing ('secundair'); see
-- macros/disclosure/. var('secondary_suppression_rounds') rounds run; the test
-- assert_secondary_suppression_converged fails the build if more are needed.
-- Incremental by year (suppression never crosses a year): see macros/incremental/.
with

quantities as (

    {{ rebuilt_years_of(ref('int_area_quantities')) }}

),

-- read again for the output: a CTE read twice is materialised without statistics
quantities_out as (

    {{ rebuilt_years_of(ref('int_area_quantities')) }}

),

cells as (

    {{ rebuilt_years_of(ref('int_area_indicator_cells')) }}

),

area_relations as (

    select * from {{ ref('int_area_relations') }}

),

indicators as (

    select * from {{ ref('int_indicators_with_thresholds') }}

),

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

),

parent_ids as (

    {{ disclosure_parent_ids('area_relations') }}

),

share_pairs as (

    {{ disclosure_share_pairs('indicators', 'indicator_quantities') }}

),

partitions as (

    {{ disclosure_partitions('indicator_quantities') }}

),

thresholds as (

    {{ disclosure_thresholds('indicators', 'share_pairs') }}

),

-- a cell breaking a primary rule hides its small quantity: the group (and the total
-- taken over it) when the group is too small, else the numerator; a group of an
-- earlier year (the denominator of an incomplete year) is hidden by that year's cells
primary_hidden as (

    select
        numerator_area_key as area_key,
        period_code,
        numerator_quantity_code as quantity_code

    from cells
    where primary_rule is not null

    union

    select
        numerator_area_key as area_key,
        denominator_period_code as period_code,
        group_quantity_code as quantity_code

    from cells
    where
        primary_rule = 'groep'
        and {{ compact_period_id('denominator_period_code') }} / 100 = period_year

),

flagged as (

    select
        quantities.*,
        primary_hidden.area_key is not null as is_hidden

    from quantities
    left join primary_hidden
        on
            quantities.area_key = primary_hidden.area_key
            and quantities.period_code = primary_hidden.period_code
            and quantities.quantity_code = primary_hidden.quantity_code

),

round_0 as (

    {{ disclosure_state('flagged', 'parent_ids') }}

),

{{ disclosure_quantities(
    'round_0', 'share_pairs', 'thresholds', 'partitions'
) }},

slivers as (

    {{ disclosure_slivers('round_0_quantities') }}

),

{{ disclosure_leaks('round_0', 'slivers', 'share_pairs') }},

{%- for round in range(1, var('secondary_suppression_rounds') + 1) %}

    {{ secondary_suppression_round(
        'round_0',
        'round_' ~ (round - 1) if round > 1 else none,
        'round_' ~ round,
        'slivers',
        'share_pairs',
    ) }},
{%- endfor %}

{%- set rounds = var('secondary_suppression_rounds') %}
{%- if rounds == 0 %}

round_0_hidden as (

    select
        area_id,
        period_id,
        quantity_id

    from round_0
    where false

),
{%- endif %}

-- every quantity with its decision: the text keys for the marts, the compact ones
-- for the convergence test
final as (

    select
        quantities_out.area_key,
        quantities_out.area_level,
        quantities_out.area_code,
        quantities_out.municipality_code,
        quantities_out.period_code,
        quantities_out.period_year,
        quantities_out.period_month,
        quantities_out.quantity_code,
        quantities_out.amount,
        state.is_hidden or hidden.area_id is not null as is_hidden,
        case
            when state.is_hidden then 'primair'
            when hidden.area_id is not null then 'secundair'
        end as hidden_rule,
        state.area_id,
        state.period_id,
        state.quantity_id

    from quantities_out
    inner join round_0 as state
        on
            {{ compact_area_id('quantities_out.area_key') }} = state.area_id
            and {{ compact_period_id('quantities_out.period_code') }}
            = state.period_id
            and {{ compact_quantity_id('quantities_out.quantity_code') }}
            = state.quantity_id
    left join round_{{ rounds }}_hidden as hidden
        on
            state.area_id = hidden.area_id
            and state.period_id = hidden.period_id
            and state.quantity_id = hidden.quantity_id

)

select * from final
