-- Fails for every parent (area and period) from which a hidden quantity could still be
-- derived as a small number after the last round of secondary suppression: raise
-- var('secondary_suppression_rounds') if this ever fails. An incremental build checks
-- the years it rebuilt (macros/incremental.sql).
with

protected as (

    select * from {{ ref('int_area_quantities_protected') }}
    where {{ in_rebuilt_years('period_year') }}

),

area_relations as (

    select * from {{ ref('int_area_relations') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

),

{{ disclosure_reference_ctes(
    'area_relations', 'indicators', 'indicator_quantities'
) }},

remaining as (

    {{ disclosure_state('protected', 'quantities.is_hidden') }}

),

{{ disclosure_quantities('remaining', 'remaining') }},

{{ disclosure_slivers('remaining_quantities') }},

{{ disclosure_leaks('remaining') }}

select * from remaining_leaks
