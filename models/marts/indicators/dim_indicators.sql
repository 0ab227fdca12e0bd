{{ config(
    materialized='table',
    indexes=[{'columns': ['indicator_code'], 'unique': true}],
) }}

-- The indicator catalogue as the dashboard shows it: definitions, sources, sensitivity
-- tier and the privacy rule that applies, with the thresholds in force
-- (int_indicators_with_thresholds).
with

indicators as (

    select * from {{ ref('int_indicators_with_thresholds') }}

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
        min_cell_size,
        min_denominator,
        rounding_base,
        numerator_quantity_code,
        denominator_quantity_code,
        group_quantity_code,
        is_share,
        is_event,
        sources,
        concat_ws(
            ' ',
            'Alleen getoond bij minstens ' || min_denominator
            || case
                when group_quantity_code = numerator_quantity_code then ''
                else ' in de groep (' || denominator_definition || ')'
            end || '.',
            case
                when unit <> 'euro'
                    then
                        'Minder dan ' || min_cell_size
                        || ' met dit kenmerk'
                        || case when is_share then ' of zonder dit kenmerk' else '' end
                        || ' wordt niet getoond.'
            end,
            case
                when rounding_base > 0
                    then
                        'Aantallen afgerond op ' || rounding_base
                        || '-tallen; 0 tot ' || min_cell_size || ' geheim.'
            end,
            'Cijfers waaruit een afgeschermd cijfer terug te rekenen is, worden'
            || ' ook afgeschermd.'
        ) as privacy_rule

    from indicators

)

select * from final
