-- Every published count in the PC6 mart is zero or at least the minimum cell size.
select
    pc6_code,
    municipality_code,
    period_year,
    indicator_code,
    numerator,
    denominator
from {{ ref('fct_pc6_indicators') }}
where
    not is_suppressed
    and (
        numerator between 1 and {{ var('min_cell_size') }} - 1
        or denominator between 1 and {{ var('min_cell_size') }} - 1
    )
