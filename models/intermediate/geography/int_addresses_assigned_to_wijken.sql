{{ config(
    materialized='table',
    indexes=[{'columns': ['address_id', 'period_year'], 'unique': true}],
) }}

-- Every BAG address per period in one wijk of its own municipality: the wijk containing
-- its point, else (the boundaries are generalised) the nearest wijk of that
-- municipality. Where generalised wijken overlap, the lowest wijk code wins: each wijk
-- is first cut back to its territory outside the lower-coded wijken it overlaps.
-- Fast at millions of addresses in one streaming pass: the territories are cut into
-- small pieces (cheap point-in-polygon tests), and each piece is listed under the grid
-- cells its bounding box covers, so that a hash join on (municipality, cell) offers
-- each address only the one or two pieces that can contain it.
{%- set cell_m = 250 %}
{% call computed_in_postgresql() %}
with

addresses as (

    select * from {{ ref('stg_bag__addresses') }}

),

wijken as (

    select * from {{ ref('stg_cbs__wijken') }}

),

wijk_territories as (

    select
        wijken.wijk_code,
        wijken.municipality_code,
        coalesce(
            st_difference(
                wijken.boundary,
                (
                    select st_union(lower_wijken.boundary)
                    from wijken as lower_wijken
                    where
                        lower_wijken.municipality_code = wijken.municipality_code
                        and lower_wijken.wijk_code < wijken.wijk_code
                        and st_intersects(lower_wijken.boundary, wijken.boundary)
                )
            ),
            wijken.boundary
        ) as territory

    from wijken

),

wijk_pieces as (

    select
        wijk_code,
        municipality_code,
        st_subdivide(territory, 32) as boundary_piece

    from wijk_territories

),

piece_cells as (

    select
        wijk_pieces.wijk_code,
        wijk_pieces.municipality_code,
        wijk_pieces.boundary_piece,
        cell_x,
        cell_y

    from wijk_pieces
    cross join
        lateral generate_series(
            floor(st_xmin(wijk_pieces.boundary_piece) / {{ cell_m }})::integer,
            floor(st_xmax(wijk_pieces.boundary_piece) / {{ cell_m }})::integer
        ) as cell_x
    cross join
        lateral generate_series(
            floor(st_ymin(wijk_pieces.boundary_piece) / {{ cell_m }})::integer,
            floor(st_ymax(wijk_pieces.boundary_piece) / {{ cell_m }})::integer
        ) as cell_y

),

address_cells as (

    select
        address_id,
        period_year,
        pc6_code,
        pc4_code,
        municipality_code,
        address_point,
        floor(st_x(address_point) / {{ cell_m }})::integer as cell_x,
        floor(st_y(address_point) / {{ cell_m }})::integer as cell_y

    from addresses

),

contained as (

    select
        address_cells.*,
        piece_cells.wijk_code

    from address_cells
    left join piece_cells
        on
            address_cells.municipality_code = piece_cells.municipality_code
            and address_cells.cell_x = piece_cells.cell_x
            and address_cells.cell_y = piece_cells.cell_y
            and st_contains(piece_cells.boundary_piece, address_cells.address_point)

),

final as (

    select
        contained.address_id,
        contained.period_year,
        contained.pc6_code,
        contained.pc4_code,
        contained.municipality_code,
        coalesce(contained.wijk_code, nearest_piece.wijk_code) as wijk_code

    from contained
    -- outside every wijk of its municipality: the nearest one
    left join lateral (
        select wijk_pieces.wijk_code
        from wijk_pieces
        where
            contained.wijk_code is null
            and wijk_pieces.municipality_code = contained.municipality_code
        order by
            wijk_pieces.boundary_piece <-> contained.address_point,
            wijk_pieces.wijk_code
        limit 1
    ) as nearest_piece on true

)

select * from final
{% endcall %}
