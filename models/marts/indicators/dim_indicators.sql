{{ config(
    materialized='table',
    indexes=[{'columns': ['indicator_code'], 'unique': true}],
) }}

-- The indicator catalogue as the dashboard shows it: definitions, sources, sensitivity
-- tier and the privacy rule that applies, with the thresholds in force (catalogue and
-- dbt_project.yml vars combined).
with

indicators as (

    select * from {{ ref('indicators') }}

),

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

),

effective as (

    select
        indicators.*,
        numerator_quantities.is_event,
        {{ effective_min_cell_size('indicators') }} as effective_min_cell_size,
        {{ effective_min_denominator('indicators') }} as effective_min_denominator,
        {{ effective_rounding_base(
            'numerator_quantities.rounding_base', "indicators.unit = 'euro'"
        ) }} as rounding_base

    from indicators
    inner join indicator_quantities as numerator_quantities
        on indicators.numerator_quantity_code = numerator_quantities.quantity_code

),

final as (

    select
        indicator_code,
        indicator_name,
        description,
        theme,
        numerator_definition,
        denominator_definition,
        unit,
        is_higher_worse,
        sensitivity_tier,
        effective_min_cell_size as min_cell_size,
        effective_min_denominator as min_denominator,
        rounding_base,
        numerator_quantity_code,
        denominator_quantity_code,
        group_quantity_code,
        is_share,
        is_event,
        sources,
        concat_ws(
            ' ',
            'Alleen getoond bij minstens ' || effective_min_denominator
            || case
                when group_quantity_code = numerator_quantity_code then ''
                else ' in de groep (' || denominator_definition || ')'
            end || '.',
            case
                when unit <> 'euro'
                    then
                        'Minder dan ' || effective_min_cell_size
                        || ' met dit kenmerk'
                        || case when is_share then ' of zonder dit kenmerk' else '' end
                        || ' wordt niet getoond.'
            end,
            case
                when rounding_base > 0
                    then
                        'Aantallen afgerond op ' || rounding_base
                        || '-tallen; 0 tot ' || effective_min_cell_size || ' geheim.'
            end,
            'Cijfers waaruit een afgeschermd cijfer terug te rekenen is, worden'
            || ' ook afgeschermd.'
        ) as privacy_rule

    from effective

)

select * from final
