-- Every level counts the same people, households, dwellings and events: per year and
-- quantity, the PC6 parts, the PC4 parts and the wijken of a municipality add up to it,
-- and the municipalities add up to Parkstad (before any suppression).
with

quantities as (

    select * from {{ ref('int_area_quantities') }}
    where period_month is null and {{ in_rebuilt_years('period_year') }}

),

children_per_parent as (

    select
        area_level as child_level,
        municipality_code as parent_code,
        period_code,
        quantity_code,
        sum(amount) as children_amount

    from quantities
    where area_level in ('pc6', 'pc4', 'wijk')
    group by area_level, municipality_code, period_code, quantity_code

    union all

    select
        'gemeente' as child_level,
        'parkstad' as parent_code,
        period_code,
        quantity_code,
        sum(amount) as children_amount

    from quantities
    where area_level = 'gemeente'
    group by period_code, quantity_code

),

parents as (

    select
        area_code as parent_code,
        period_code,
        quantity_code,
        amount

    from quantities
    where area_level in ('gemeente', 'regio')

),

final as (

    select
        children_per_parent.*,
        parents.amount as parent_amount

    from children_per_parent
    left join parents
        on
            children_per_parent.parent_code = parents.parent_code
            and children_per_parent.period_code = parents.period_code
            and children_per_parent.quantity_code = parents.quantity_code
    where parents.amount is distinct from children_per_parent.children_amount

)

select * from final
