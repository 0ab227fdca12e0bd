{#- Row estimates after the joins and windows are rough; a nested loop over them is
    never right here (see int_area_quantities_protected). The rows are stored in the
    order of the first index, which matches what the dashboards filter on (row-level
    security's municipality, level, year, indicator): a municipality's map reads a few
    thousand adjacent pages. The second index serves the regio side of the security
    rule's `or`. An index on (area_level, period_year, ...) instead lured the planner
    into reading every municipality's rows of the year (3× slower). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period_year',
    on_schema_change='fail',
    pre_hook=planner_settings({
        'enable_nestloop': 'off',
        'enable_mergejoin': 'off',
    }),
    indexes=[
        {'columns': [
            'municipality_code', 'area_level', 'period_year', 'indicator_name'
        ]},
        {'columns': ['area_level', 'period_code', 'indicator_code']},
    ],
) }}

-- The signals, each fact stored once: every published indicator value of an area
-- with its comparison to the previous period, its municipality and all of Parkstad
-- (index and z-score among the areas of the same level), and whether it signals: in
-- the worst decile of Parkstad, or risen sharply in the unfavourable direction. A
-- suppressed value never signals. Summing is_signal over the indicators a user ticks
-- gives the number of signals per area; averaging risk_score gives a combined score.
-- Incremental by year (macros/incremental/rebuilt_years.sql): a rebuilt year and the
-- next, whose changes compare with it. The area is referenced by its integer key
-- (dim_areas.area_id); names, geometry and the texts of the indicator and the reason
-- are joined by the view fct_area_signals, which Superset reads.
with

area_indicators as (

    -- the year before only for the previous period of the year's first one
    {{ rebuilt_years_of(ref('fct_area_indicators'), preceding=1, following=1) }}

),

indicators as (

    select * from {{ ref('dim_indicators') }}

),

areas as (

    select * from {{ ref('dim_areas') }}

),

-- the municipalities' and Parkstad's own values, read apart from area_indicators (a
-- CTE read twice is materialised, here with all its rows)
reference_values as (

    select
        area_level,
        area_code,
        period_code,
        indicator_code,
        value

    from {{ ref('fct_area_indicators') }}
    where
        area_level in ('gemeente', 'regio')
        and {{ in_rebuilt_years_if_incremental('period_year', following=1) }}

),

-- +1 where a higher value is worse, -1 where lower is worse, null for neutral figures
polarities as (

    select
        indicator_code,
        case
            when is_higher_worse then 1
            when not is_higher_worse then -1
        end as polarity

    from indicators

),

-- the area's previous period: the one window over every row (area code first: it
-- tells most rows apart in the sort's first key); read twice below, so materialised
lagged as (

    select
        area_indicators.area_level,
        area_indicators.area_code,
        area_indicators.municipality_code,
        area_indicators.period_code,
        area_indicators.period_year,
        area_indicators.period_month,
        area_indicators.indicator_code,
        area_indicators.sensitivity_tier,
        area_indicators.value,
        area_indicators.is_suppressed,
        area_indicators.suppression_rule,
        area_indicators.denominator_note,
        polarities.polarity,
        lag(area_indicators.value) over (
            partition by
                area_indicators.area_code,
                area_indicators.area_level,
                area_indicators.municipality_code,
                area_indicators.indicator_code,
                area_indicators.period_month is null
            order by area_indicators.period_year, area_indicators.period_month
        ) as previous_value

    from area_indicators
    inner join polarities
        on area_indicators.indicator_code = polarities.indicator_code

),

-- the comparisons among the areas of a level concern published values only, a
-- quarter of the rows: the rank, and the standard scores from the mean and spread
-- per municipality and per level, as windows over one sort order
valued as (

    select
        lagged.*,
        -- share of the other published areas of this level that do better (ties
        -- count as not better, so a value most areas share never signals)
        percent_rank() over (
            levels order by lagged.polarity * lagged.value
        ) as parkstad_better_share,
        round(
            (lagged.value - avg(lagged.value) over municipalities)
            / nullif(stddev_samp(lagged.value) over municipalities, 0),
            2
        )::numeric(8, 2) as z_score_municipality,
        round(
            (lagged.value - avg(lagged.value) over levels)
            / nullif(stddev_samp(lagged.value) over levels, 0),
            2
        )::numeric(8, 2) as z_score_parkstad

    from lagged
    where
        lagged.value is not null
        and {{ in_rebuilt_years_if_incremental('lagged.period_year', following=1) }}
    window
        levels as (
            partition by lagged.indicator_code, lagged.period_code, lagged.area_level
        ),
        municipalities as (
            partition by
                lagged.indicator_code,
                lagged.period_code,
                lagged.area_level,
                lagged.municipality_code
        )

),

-- a value that is not published has no rank and no standard scores
ranked as (

    select * from valued

    union all

    select
        lagged.*,
        null::double precision as parkstad_better_share,
        null::numeric(8, 2) as z_score_municipality,
        null::numeric(8, 2) as z_score_parkstad

    from lagged
    where
        lagged.value is null
        and {{ in_rebuilt_years_if_incremental('lagged.period_year', following=1) }}

),

compared as (

    select
        ranked.*,
        municipalities.value as municipality_value,
        parkstad.value as parkstad_value

    from ranked
    left join reference_values as municipalities
        on
            ranked.municipality_code = municipalities.area_code
            and municipalities.area_level = 'gemeente'
            and ranked.period_code = municipalities.period_code
            and ranked.indicator_code = municipalities.indicator_code
    left join reference_values as parkstad
        on
            parkstad.area_level = 'regio'
            and ranked.period_code = parkstad.period_code
            and ranked.indicator_code = parkstad.indicator_code

),

scored as (

    select
        compared.*,
        (compared.value - compared.previous_value)::numeric(16, 1) as value_change,
        {{ rounded_quotient(
            '100.0 * (compared.value - compared.previous_value)',
            'compared.previous_value',
            1,
        ) }}::numeric(12, 1) as change_pct,
        {{ rounded_quotient(
            '100.0 * compared.value', 'compared.municipality_value', 1
        ) }}::numeric(12, 1) as index_municipality,
        {{ rounded_quotient(
            '100.0 * compared.value', 'compared.parkstad_value', 1
        ) }}::numeric(12, 1) as index_parkstad

    from compared

),

flagged as (

    select
        scored.*,
        (scored.polarity * scored.z_score_parkstad)::numeric(8, 2) as risk_score,
        coalesce(
            scored.polarity is not null
            and scored.parkstad_better_share
            >= 1 - {{ var('signal_worst_share') }},
            false
        ) as is_worst_decile,
        coalesce(
            scored.polarity * scored.change_pct >= {{ var('signal_sharp_rise_pct') }}
            and scored.polarity * scored.value
            > scored.polarity * scored.parkstad_value,
            false
        ) as is_sharp_rise

    from scored

),

final as (

    select
        flagged.area_level,
        flagged.area_code,
        flagged.municipality_code,
        areas.area_id,
        flagged.period_code,
        flagged.period_year,
        flagged.period_month,
        flagged.indicator_code,
        indicators.indicator_name,
        flagged.sensitivity_tier,
        flagged.value,
        flagged.is_suppressed,
        flagged.suppression_rule,
        flagged.denominator_note,
        -- reference values, shown with published cells only
        (case
            when not flagged.is_suppressed then flagged.previous_value
        end)::numeric(16, 1) as previous_value,
        flagged.value_change,
        flagged.change_pct,
        (case
            when not flagged.is_suppressed then flagged.municipality_value
        end)::numeric(16, 1) as municipality_value,
        (case
            when not flagged.is_suppressed then flagged.parkstad_value
        end)::numeric(16, 1) as parkstad_value,
        flagged.index_municipality,
        flagged.index_parkstad,
        flagged.z_score_municipality,
        flagged.z_score_parkstad,
        flagged.risk_score,
        flagged.is_worst_decile,
        flagged.is_sharp_rise,
        (flagged.is_worst_decile or flagged.is_sharp_rise)::integer::smallint
            as is_signal

    from flagged
    inner join indicators on flagged.indicator_code = indicators.indicator_code
    inner join areas
        on
            flagged.area_level = areas.area_level
            and flagged.area_code = areas.area_code
            and coalesce(flagged.municipality_code, '')
            = coalesce(areas.municipality_code, '')

)

select * from final
order by municipality_code, area_level, period_year, indicator_name
