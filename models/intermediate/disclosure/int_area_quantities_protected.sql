{#- The rounds aggregate and join the whole state a few times: keep that in memory.
    Row estimates of CTEs are rough; a nested loop over them is never right, and
    sorting millions of rows for a merge join costs more than hashing them. -#}
{{ config(
    materialized='table',
    pre_hook=[
        "set local work_mem = '256MB'",
        "set local enable_nestloop = off",
        "set local enable_mergejoin = off",
    ],
    indexes=[{'columns': ['area_key', 'period_code', 'quantity_code'], 'unique': true}],
) }}

-- Every quantity per area and period with the decision whether it may be published:
-- hidden by a primary rule of a cell that uses it ('primair'), or by secondary
-- suppression so that it cannot be recovered by differencing ('secundair'); see
-- macros/secondary_suppression.sql. var('secondary_suppression_rounds') rounds run;
-- the test assert_secondary_suppression_converged fails the build if more are needed.
with

quantities as (

    select * from {{ ref('int_area_quantities') }}

),

cells as (

    select * from {{ ref('int_area_indicator_cells') }}

),

area_relations as (

    select * from {{ ref('int_area_relations') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

),

{{ disclosure_reference_ctes(
    'area_relations', 'indicators', 'indicator_quantities'
) }},

-- a cell breaking a primary rule hides its small quantity: the group (and the total
-- taken over it) when the group is too small, else the numerator
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
    where primary_rule = 'groep'

),

round_0 as (

    select
        quantities.area_key,
        quantities.area_level,
        quantities.area_code,
        quantities.municipality_code,
        quantities.period_code,
        quantities.period_year,
        quantities.period_month,
        quantities.quantity_code,
        quantities.amount,
        primary_hidden.area_key is not null as is_hidden,
        case when primary_hidden.area_key is not null then 'primair' end
            as hidden_rule,
        parent_keys.parent_pc4_key,
        parent_keys.parent_wijk_key,
        parent_keys.parent_gemeente_key,
        parent_keys.parent_regio_key,
        -- a month lies within its year
        case
            when quantities.period_month is not null
                then quantities.period_year::text
        end as year_period_code

    from quantities
    left join parent_keys on quantities.area_key = parent_keys.child_key
    left join primary_hidden
        on
            quantities.area_key = primary_hidden.area_key
            and quantities.period_code = primary_hidden.period_code
            and quantities.quantity_code = primary_hidden.quantity_code

),

{{ disclosure_quantities('round_0', 'round_0') }},

{{ disclosure_slivers('round_0_quantities') }},

{{ disclosure_leaks('round_0') }},

{%- for round in range(1, var('secondary_suppression_rounds') + 1) %}

    {{ secondary_suppression_round(
        'round_0', 'round_' ~ (round - 1) if round > 1 else none, 'round_' ~ round
    ) }},
{%- endfor %}

{%- set rounds = var('secondary_suppression_rounds') %}
{%- if rounds == 0 %}

round_0_hidden as (

    select
        area_key,
        period_code,
        quantity_code

    from round_0
    where false

),
{%- endif %}

-- the base state with everything the rounds hid
final as (

    select
        state.area_key,
        state.area_level,
        state.area_code,
        state.municipality_code,
        state.period_code,
        state.period_year,
        state.period_month,
        state.quantity_code,
        state.amount,
        state.is_hidden or hidden.area_key is not null as is_hidden,
        case
            when state.is_hidden then state.hidden_rule
            when hidden.area_key is not null then 'secundair'
        end as hidden_rule,
        state.parent_pc4_key,
        state.parent_wijk_key,
        state.parent_gemeente_key,
        state.parent_regio_key,
        state.year_period_code

    from round_0 as state
    left join round_{{ rounds }}_hidden as hidden
        on
            state.area_key = hidden.area_key
            and state.period_code = hidden.period_code
            and state.quantity_code = hidden.quantity_code

)

select * from final
