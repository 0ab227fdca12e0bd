-- depends_on: {{ ref('indicator_quantities') }}
-- The quantity columns are generated lists, which sqlfluff cannot lay out:
-- noqa: disable=LT02,AM06
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period_year',
    on_schema_change='fail',
) }}

-- Every quantity per area and period (long): address-based quantities are summed per
-- PC6 part (a PC6 within one municipality and wijk), PC6-located quantities (events,
-- insurer figures) are placed in the wijk holding most of the PC6 part's addresses;
-- the parts then roll up to every level in one pass. Yearly periods carry every
-- quantity; monthly periods carry the event quantities at var('monthly_levels').
-- Keys are compact (area_id, period_id, quantity_id): the levels and codes of an area
-- are in int_areas_with_parent_ids. Incremental by year: see
-- macros/incremental/rebuilt_years.sql.
{%- set address_quantities = quantity_columns(ref('int_address_quantities')) %}
{%- set event_quantities = quantity_columns(ref('int_pc6_event_quantities')) %}
{%- set care_quantities = quantity_columns(ref('int_pc6_care_quantities')) %}
{%- set all_quantities = address_quantities + event_quantities + care_quantities %}
with

address_quantities as (

    {{ rebuilt_years_of(ref('int_address_quantities')) }}

),

address_wijken as (

    select * from {{ ref('int_addresses_assigned_to_wijken') }}

),

event_quantities as (

    {{ rebuilt_years_of(ref('int_pc6_event_quantities')) }}

),

care_quantities as (

    {{ rebuilt_years_of(ref('int_pc6_care_quantities')) }}

),

pc6_parts as (

    select * from {{ ref('int_pc6_areas_derived') }}

),

address_parts as (

    select
        address_quantities.pc6_code,
        address_quantities.pc4_code,
        address_quantities.municipality_code,
        address_wijken.wijk_code,
        address_quantities.period_year,
        null::integer as period_month,
        {%- for quantity in address_quantities %}
        sum(address_quantities.{{ quantity }}) as {{ quantity }},
        {%- endfor %}
        {%- for quantity in event_quantities + care_quantities %}
        0 as {{ quantity }}{{ ',' if not loop.last }}
        {%- endfor %}

    from address_quantities
    inner join address_wijken
        on
            address_quantities.address_id = address_wijken.address_id
            and address_quantities.period_year = address_wijken.period_year
    group by 1, 2, 3, 4, 5

),

event_months as (

    select
        event_quantities.pc6_code,
        left(event_quantities.pc6_code, 4) as pc4_code,
        event_quantities.municipality_code,
        pc6_parts.wijk_code,
        event_quantities.period_year,
        event_quantities.period_month,
        {%- for quantity in address_quantities %}
        0 as {{ quantity }},
        {%- endfor %}
        {%- for quantity in event_quantities %}
        event_quantities.{{ quantity }},
        {%- endfor %}
        {%- for quantity in care_quantities %}
        0 as {{ quantity }}{{ ',' if not loop.last }}
        {%- endfor %}

    from event_quantities
    left join pc6_parts
        on
            event_quantities.pc6_code = pc6_parts.pc6_code
            and event_quantities.municipality_code = pc6_parts.municipality_code

),

care_parts as (

    select
        care_quantities.pc6_code,
        left(care_quantities.pc6_code, 4) as pc4_code,
        care_quantities.municipality_code,
        pc6_parts.wijk_code,
        care_quantities.period_year,
        null::integer as period_month,
        {%- for quantity in address_quantities + event_quantities %}
        0 as {{ quantity }},
        {%- endfor %}
        {%- for quantity in care_quantities %}
        care_quantities.{{ quantity }}{{ ',' if not loop.last }}
        {%- endfor %}

    from care_quantities
    left join pc6_parts
        on
            care_quantities.pc6_code = pc6_parts.pc6_code
            and care_quantities.municipality_code = pc6_parts.municipality_code

),

part_rows as (

    select * from address_parts
    union all
    select * from care_parts
    union all
    -- an event month also counts in its year
    select * from event_months
    union all
    select
        pc6_code, pc4_code, municipality_code, wijk_code, period_year,
        null::integer as period_month,
        {%- for quantity in all_quantities %}
        {{ quantity }}{{ ',' if not loop.last }}
        {%- endfor %}
    from event_months

),

rolled_up as (

    select
        case
            when grouping(pc6_code) = 0 then 'pc6'
            when grouping(pc4_code) = 0 then 'pc4'
            when grouping(wijk_code) = 0 then 'wijk'
            when grouping(municipality_code) = 0 then 'gemeente'
            else 'regio'
        end as area_level,
        coalesce(pc6_code, pc4_code, wijk_code, municipality_code, 'parkstad')
            as area_code,
        municipality_code,
        period_year,
        period_month,
        {%- for quantity in all_quantities %}
        sum({{ quantity }}) as {{ quantity }}{{ ',' if not loop.last }}
        {%- endfor %}

    from part_rows
    group by grouping sets (
        (pc6_code, municipality_code, period_year, period_month),
        (pc4_code, municipality_code, period_year, period_month),
        (wijk_code, municipality_code, period_year, period_month),
        (municipality_code, period_year, period_month),
        (period_year, period_month)
    )
    -- PC6-located data at a postcode without addresses has no wijk
    having not (grouping(wijk_code) = 0 and wijk_code is null)

),

-- the compact key of each area, once per area and period
area_rows as (

    select
        {{ compact_area_id(area_key(
            'area_level', 'area_code', 'municipality_code'
        )) }} as area_id,
        rolled_up.*

    from rolled_up

),

-- monthly rows only where the level publishes months, and only up to the latest month
-- any event source has delivered for the year
latest_months as (

    select
        period_year,
        max(period_month) as latest_month

    from event_months
    group by period_year

),

areas_per_year as (

    select
        area_id,
        area_level,
        period_year

    from area_rows
    where period_month is null

),

monthly_grid as (

    select
        areas_per_year.area_id,
        areas_per_year.period_year,
        -- an integer, as in PostgreSQL (DuckDB's generate_series gives bigints)
        months.period_month::integer as period_month

    from areas_per_year
    inner join latest_months
        on areas_per_year.period_year = latest_months.period_year
    cross join lateral generate_series(1, latest_months.latest_month)
        as months (period_month)
    where areas_per_year.area_level in (
        {%- for level in var('monthly_levels') %}
        '{{ level }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )

),

yearly_long as (

    select
        area_rows.area_id,
        area_rows.period_year,
        area_rows.period_month,
        cells.quantity_id,
        cells.amount

    from area_rows
    cross join lateral (
        values
        {%- for quantity in all_quantities %}
        (
            {{ compact_quantity_id("'" ~ quantity ~ "'") }},
            area_rows.{{ quantity }}::numeric
        ){{ ',' if not loop.last }}
        {%- endfor %}
    ) as cells (quantity_id, amount)
    where area_rows.period_month is null

),

monthly_long as (

    select
        monthly_grid.area_id,
        monthly_grid.period_year,
        monthly_grid.period_month,
        cells.quantity_id,
        coalesce(cells.amount, 0) as amount

    from monthly_grid
    left join area_rows
        on
            monthly_grid.area_id = area_rows.area_id
            and monthly_grid.period_year = area_rows.period_year
            and monthly_grid.period_month = area_rows.period_month
    cross join lateral (
        values
        {%- for quantity in event_quantities %}
        (
            {{ compact_quantity_id("'" ~ quantity ~ "'") }},
            area_rows.{{ quantity }}::numeric
        ){{ ',' if not loop.last }}
        {%- endfor %}
    ) as cells (quantity_id, amount)

),

final as (

    select
        area_id,
        {{ period_id('period_year', 'period_month') }}::integer as period_id,
        quantity_id,
        period_year::smallint as period_year,
        amount

    from (
        select * from yearly_long
        union all
        select * from monthly_long
    ) as quantities

)

select * from final
