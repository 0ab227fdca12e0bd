{#- The rounds aggregate and join the whole state a few times: keep that in memory.
    Row estimates of CTEs are rough; a nested loop over them is never right, and
    sorting millions of rows for a merge join costs more than hashing them. -#}
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

cells as (

    {{ rebuilt_years_of(ref('int_area_indicator_cells')) }}

),

areas as (

    select * from {{ ref('int_areas_with_parent_ids') }}

),

indicators as (

    select * from {{ ref('int_indicators_with_thresholds') }}

),

rules as (

    select * from {{ ref('int_quantity_disclosure_rules') }}

),

{{ disclosure_rule_relations('rules') }},

-- a cell breaking a primary rule hides its small quantity: the group (and the total
-- taken over it) when the group is too small, else the numerator; a group of an
-- earlier year (the denominator of an incomplete year) is hidden by that year's cells
primary_hidden as (

    select
        cells.area_id,
        cells.period_id,
        indicators.numerator_quantity_id as quantity_id

    from cells
    inner join indicators on cells.indicator_id = indicators.indicator_id
    where cells.primary_rule is not null

    union

    select
        cells.area_id,
        cells.denominator_period_id as period_id,
        indicators.group_quantity_id as quantity_id

    from cells
    inner join indicators on cells.indicator_id = indicators.indicator_id
    where
        cells.primary_rule = 'groep'
        and {{ year_of_period_id('cells.denominator_period_id') }}
        = cells.period_year

),

flagged as (

    select
        quantities.*,
        primary_hidden.area_id is not null as is_hidden

    from quantities
    left join primary_hidden
        on
            quantities.area_id = primary_hidden.area_id
            and quantities.period_id = primary_hidden.period_id
            and quantities.quantity_id = primary_hidden.quantity_id

),

round_0 as (

    {{ disclosure_state('flagged', 'areas') }}

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

-- every quantity with its decision
final as (

    select
        state.area_id,
        state.period_id,
        state.quantity_id,
        {{ year_of_period_id('state.period_id') }}::smallint as period_year,
        state.amount,
        state.is_hidden or hidden.area_id is not null as is_hidden,
        case
            when state.is_hidden then 'primair'
            when hidden.area_id is not null then 'secundair'
        end as hidden_rule

    from round_0 as state
    left join round_{{ rounds }}_hidden as hidden
        on
            state.area_id = hidden.area_id
            and state.period_id = hidden.period_id
            and state.quantity_id = hidden.quantity_id

)

select * from final
