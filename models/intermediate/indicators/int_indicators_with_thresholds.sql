-- The indicator catalogue with the disclosure rules in force: the catalogue's minimum
-- cell size and group size raised to the dbt_project.yml vars (and the tier's
-- minimum), the rounding bases of the numerator and the denominator, and whether a
-- zero is secret. The one place these are combined: int_area_indicator_cells,
-- int_area_quantities_protected, fct_area_indicators and dim_indicators read them here.
with

indicators as (

    select * from {{ ref('indicators') }}

),

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

),

final as (

    select
        -- compact keys of the disclosure models (int_area_indicator_cells)
        row_number() over (
            order by indicators.indicator_code
        )::smallint as indicator_id,
        indicators.indicator_code,
        indicators.indicator_name,
        indicators.description,
        indicators.theme,
        indicators.numerator_definition,
        indicators.denominator_definition,
        indicators.unit,
        indicators.is_higher_worse,
        indicators.sensitivity_tier,
        indicators.numerator_quantity_code,
        indicators.denominator_quantity_code,
        indicators.group_quantity_code,
        {{ compact_quantity_id('indicators.numerator_quantity_code') }}
            as numerator_quantity_id,
        {{ compact_quantity_id('indicators.denominator_quantity_code') }}
            as denominator_quantity_id,
        {{ compact_quantity_id('indicators.group_quantity_code') }}
            as group_quantity_id,
        indicators.is_share,
        indicators.sources,
        numerator_quantities.is_event,
        -- a count of people with (or without) the characteristic below this is secret
        greatest(
            indicators.min_cell_size,
            case indicators.sensitivity_tier
                {% for tier, size in var('min_cell_size_per_tier').items() -%}
                    when '{{ tier }}' then {{ size }}
                {% endfor -%}
            end,
            {{ var('min_cell_size') }}
        ) as min_cell_size,
        -- no figure about a group (denominator, or the count itself) below this
        greatest(
            indicators.min_denominator, {{ var('min_denominator') }}
        ) as min_denominator,
        -- amounts of money are never rounded
        case
            when indicators.unit = 'euro' then 0
            else
                greatest(
                    numerator_quantities.rounding_base,
                    {{ var('round_counts_to') }}
                )
        end as rounding_base,
        greatest(
            denominator_quantities.rounding_base, {{ var('round_counts_to') }}
        ) as denominator_rounding_base,
        indicators.sensitivity_tier in (
            {%- for tier in var('zero_is_secret_tiers') %}
                '{{ tier }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ) as is_zero_secret

    from indicators
    inner join indicator_quantities as numerator_quantities
        on indicators.numerator_quantity_code = numerator_quantities.quantity_code
    left join indicator_quantities as denominator_quantities
        on indicators.denominator_quantity_code = denominator_quantities.quantity_code

)

select * from final
