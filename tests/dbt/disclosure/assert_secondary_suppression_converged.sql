-- Fails for every parent (area and period) from which a hidden quantity could still be
-- derived as a small number after the last round of secondary suppression: raise
-- var('secondary_suppression_rounds') if this ever fails. An incremental build checks
-- the years it rebuilt (macros/incremental/rebuilt_years.sql).
with

protected as (

    select * from {{ ref('int_area_quantities_protected') }}
    where {{ in_rebuilt_years('period_year') }}

),

area_relations as (

    select * from {{ ref('int_area_relations') }}

),

indicators as (

    select * from {{ ref('int_indicators_with_thresholds') }}

),

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

),

parent_ids as (

    {{ disclosure_parent_ids('area_relations') }}

),

share_pairs as (

    {{ disclosure_share_pairs('indicators', 'indicator_quantities') }}

),

partitions as (

    {{ disclosure_partitions('indicator_quantities') }}

),

thresholds as (

    {{ disclosure_thresholds('indicators', 'share_pairs') }}

),

remaining as (

    {{ disclosure_state('protected', 'parent_ids') }}

),

{{ disclosure_quantities(
    'remaining', 'share_pairs', 'thresholds', 'partitions'
) }},

slivers as (

    {{ disclosure_slivers('remaining_quantities') }}

),

{{ disclosure_leaks('remaining', 'slivers', 'share_pairs') }}

select * from remaining_leaks
