select
    -- the relation's columns, whatever they are
    t.*,  -- noqa: AM04
    {published} as is_published
from {table} as t
