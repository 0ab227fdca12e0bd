-- The suppression rounds key quantities and share pairs by a 31-bit hash of their code
-- (compact_quantity_id): fails for every pair of codes that hash alike. Areas are
-- guarded by the unique index of int_areas_with_parent_ids.
with

indicators as (

    select * from {{ ref('indicators') }}

),

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

),

codes as (

    select quantity_code as code from indicator_quantities

    union

    select denominator_quantity_code || ' - ' || numerator_quantity_code
    from indicators
    where is_share

    union

    select subset_of_quantity_code || ' - ' || quantity_code
    from indicator_quantities
    where subset_of_quantity_code is not null

),

final as (

    select
        {{ compact_quantity_id('code') }} as quantity_id,
        count(*) as codes

    from codes
    group by 1
    having count(*) > 1

)

select * from final
