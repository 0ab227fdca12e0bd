{{ config(
    materialized='table',
    indexes=[
        {'columns': ['child_level', 'child_area_code', 'child_municipality_code']},
        {'columns': ['parent_level', 'parent_area_code', 'parent_municipality_code']},
    ],
) }}

-- Every geographic child -> parent pair. An area is (level, code, municipality): a PC6
-- or PC4 crossing a municipal border is one area per municipality, and the regio
-- ('parkstad') has no municipality. A PC6 part has a wijk only when all its addresses
-- lie in that wijk; a PC4 part exists where the PC4 has addresses in the municipality.
with

pc6_parts as (

    select * from {{ ref('int_pc6_areas_derived') }}

),

wijken as (

    select * from {{ ref('stg_cbs__wijken') }}

),

municipality_areas as (

    select * from {{ ref('stg_cbs__municipality_areas') }}

),

pc4_parts as (

    select distinct
        pc4_code,
        municipality_code

    from pc6_parts

),

pc6_parents as (

    select
        pc6_parts.pc6_code as child_area_code,
        pc6_parts.municipality_code as child_municipality_code,
        parents.parent_level,
        parents.parent_area_code,
        parents.parent_municipality_code

    from pc6_parts
    cross join
        lateral (
            values
            ('pc4', pc6_parts.pc4_code, pc6_parts.municipality_code),
            (
                'wijk',
                case when pc6_parts.is_within_one_wijk then pc6_parts.wijk_code end,
                pc6_parts.municipality_code
            ),
            ('gemeente', pc6_parts.municipality_code, pc6_parts.municipality_code),
            ('regio', 'parkstad', null)
        ) as parents (parent_level, parent_area_code, parent_municipality_code)
    where parents.parent_area_code is not null

),

pc4_parents as (

    select
        pc4_parts.pc4_code as child_area_code,
        pc4_parts.municipality_code as child_municipality_code,
        parents.parent_level,
        parents.parent_area_code,
        parents.parent_municipality_code

    from pc4_parts
    cross join lateral (
        values
        ('gemeente', pc4_parts.municipality_code, pc4_parts.municipality_code),
        ('regio', 'parkstad', null)
    ) as parents (parent_level, parent_area_code, parent_municipality_code)

),

wijk_parents as (

    select
        wijken.wijk_code as child_area_code,
        wijken.municipality_code as child_municipality_code,
        parents.parent_level,
        parents.parent_area_code,
        parents.parent_municipality_code

    from wijken
    cross join lateral (
        values
        ('gemeente', wijken.municipality_code, wijken.municipality_code),
        ('regio', 'parkstad', null)
    ) as parents (parent_level, parent_area_code, parent_municipality_code)

),

final as (

    select
        'pc6' as child_level,
        child_area_code,
        child_municipality_code,
        parent_level,
        parent_area_code,
        parent_municipality_code

    from pc6_parents

    union all

    select
        'pc4' as child_level,
        child_area_code,
        child_municipality_code,
        parent_level,
        parent_area_code,
        parent_municipality_code

    from pc4_parents

    union all

    select
        'wijk' as child_level,
        child_area_code,
        child_municipality_code,
        parent_level,
        parent_area_code,
        parent_municipality_code

    from wijk_parents

    union all

    select
        'gemeente' as child_level,
        municipality_code as child_area_code,
        municipality_code as child_municipality_code,
        'regio' as parent_level,
        'parkstad' as parent_area_code,
        null::text as parent_municipality_code

    from municipality_areas

)

select * from final
