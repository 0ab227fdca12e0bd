-- Every level counts the same people, households, dwellings and events: per year and
-- quantity, the PC6 parts, the PC4 parts and the wijken of a municipality add up to it,
-- and the municipalities add up to Parkstad (before any suppression).
with

areas as (

    select * from {{ ref('int_areas_with_parent_ids') }}

),

quantities as (

    select
        areas.area_level,
        areas.area_code,
        areas.municipality_code,
        area_quantities.period_id,
        area_quantities.quantity_id,
        area_quantities.amount

    from {{ ref('int_area_quantities') }} as area_quantities
    inner join areas on area_quantities.area_id = areas.area_id
    where
        {{ month_of_period_id('area_quantities.period_id') }} is null
        and {{ in_rebuilt_years('area_quantities.period_year') }}

),

children_per_parent as (

    select
        area_level as child_level,
        municipality_code as parent_code,
        period_id,
        quantity_id,
        sum(amount) as children_amount

    from quantities
    where area_level in ('pc6', 'pc4', 'wijk')
    group by area_level, municipality_code, period_id, quantity_id

    union all

    select
        'gemeente' as child_level,
        'parkstad' as parent_code,
        period_id,
        quantity_id,
        sum(amount) as children_amount

    from quantities
    where area_level = 'gemeente'
    group by period_id, quantity_id

),

parents as (

    select
        area_code as parent_code,
        period_id,
        quantity_id,
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
            and children_per_parent.period_id = parents.period_id
            and children_per_parent.quantity_id = parents.quantity_id
    where parents.amount is distinct from children_per_parent.children_amount

)

select * from final
