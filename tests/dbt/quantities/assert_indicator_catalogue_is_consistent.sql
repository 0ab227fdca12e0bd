-- The catalogue's rules hold for every indicator: plain counts (unit aantal) have no
-- denominator and are their own group, other indicators take their denominator as the
-- group; shares are never counts, averages or event rates; euro indicators sum a euro
-- quantity; vertrouwelijk needs a minimum cell of 10 and counts CBS rounds to fives
-- (youth care, WMO) one of at least 8 (0-7 secret).
with

indicators as (

    select * from {{ ref('indicators') }}

),

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

),

with_quantities as (

    select
        indicators.*,
        numerator_quantities.is_event,
        numerator_quantities.rounding_base

    from indicators
    left join indicator_quantities as numerator_quantities
        on indicators.numerator_quantity_code = numerator_quantities.quantity_code

),

final as (

    select
        indicator_code,
        case
            when (denominator_quantity_code is null) <> (unit = 'aantal')
                then 'only plain counts have no denominator'
            when
                group_quantity_code
                <> coalesce(denominator_quantity_code, numerator_quantity_code)
                then 'group is the denominator, or the count itself'
            when is_share and (unit in ('aantal', 'euro') or is_event)
                then 'counts, averages and event rates are no shares'
            when (unit = 'euro') <> (numerator_quantity_code like '%\_eur' escape '\')
                then 'euro indicators, and only they, sum a euro quantity'
            when sensitivity_tier = 'vertrouwelijk' and min_cell_size < 10
                then 'vertrouwelijk needs a minimum cell size of 10'
            when rounding_base > 0 and min_cell_size < 8
                then 'rounded counts need a minimum cell size of 8'
            when min_cell_size < 5 or min_denominator < 5
                then 'thresholds below the CBS minimum of 5'
        end as broken_rule

    from with_quantities

)

select * from final
where broken_rule is not null
