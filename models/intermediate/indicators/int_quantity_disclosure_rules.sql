-- What secondary suppression needs to know of every quantity and share pair, on
-- compact keys: its threshold (below it a non-zero amount is secret; null: never
-- secret), the whole it is a part of (partition_of_quantity_id), and for a share pair
-- (the difference of a denominator and its numerator, a quantity of its own) the two
-- quantities it is the difference of. See macros/disclosure/.
with

indicators as (

    select * from {{ ref('int_indicators_with_thresholds') }}

),

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

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

quantity_ids as (

    select quantity_id from thresholds
    union
    select quantity_id from partitions
    union
    select pair_id from share_pairs

),

final as (

    select
        quantity_ids.quantity_id,
        thresholds.threshold,
        partitions.partition_of_quantity_id,
        share_pairs.numerator_quantity_id,
        share_pairs.denominator_quantity_id

    from quantity_ids
    left join thresholds on quantity_ids.quantity_id = thresholds.quantity_id
    left join partitions on quantity_ids.quantity_id = partitions.quantity_id
    left join share_pairs on quantity_ids.quantity_id = share_pairs.pair_id

)

select * from final
