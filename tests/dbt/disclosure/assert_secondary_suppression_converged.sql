-- Fails for every parent (area and period) from which a hidden quantity could still be
-- derived as a small number after the last round of secondary suppression: raise
-- var('secondary_suppression_rounds') if this ever fails. An incremental build checks
-- the years it rebuilt (macros/incremental/rebuilt_years.sql).
with

protected as (

    select * from {{ ref('int_area_quantities_protected') }}
    where {{ in_rebuilt_years('period_year') }}

),

areas as (

    select * from {{ ref('int_areas_with_parent_ids') }}

),

rules as (

    select * from {{ ref('int_quantity_disclosure_rules') }}

),

{{ disclosure_rule_relations('rules') }},

remaining as (

    {{ disclosure_state('protected', 'areas') }}

),

{{ disclosure_quantities(
    'remaining', 'share_pairs', 'thresholds', 'partitions'
) }},

slivers as (

    {{ disclosure_slivers('remaining_quantities') }}

),

{{ disclosure_leaks('remaining', 'slivers', 'share_pairs') }}

select * from remaining_leaks
