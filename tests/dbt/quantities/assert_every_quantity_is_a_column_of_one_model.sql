-- Every quantity of the seed is a column of exactly one quantity model, event
-- quantities (is_event) of the event model only, and every other column of those
-- models is a key or bookkeeping column: the models and the seed name the same set.
{%- set quantity_models = {
    'int_address_quantities': ref('int_address_quantities'),
    'int_pc6_event_quantities': ref('int_pc6_event_quantities'),
    'int_pc6_care_quantities': ref('int_pc6_care_quantities'),
} %}
{%- set other_columns = [
    'address_id', 'pc6_code', 'pc4_code', 'municipality_code', 'period_year',
    'period_month', 'last_delivery_id',
] %}
{%- set other_columns_sql = "'" ~ other_columns | join("', '") ~ "'" %}
with

indicator_quantities as (

    select * from {{ ref('indicator_quantities') }}

),

model_columns as (

    select
        model_name::text as model_name,
        column_name::text as column_name

    from (
        values
        {%- if execute %}
            {%- for name, relation in quantity_models.items() %}
                {%- set outer_loop = loop %}
                {%- for column in adapter.get_columns_in_relation(relation) %}
                    ('{{ name }}', '{{ column.name }}')
                    {{- ',' if not (loop.last and outer_loop.last) }}
                {%- endfor %}
            {%- endfor %}
        {%- else %}
        ('', '')
        {%- endif %}
    ) as model_columns (model_name, column_name)
    where
        column_name not in (
            {{ other_columns_sql }}
        )

),

per_quantity as (

    select
        coalesce(
            indicator_quantities.quantity_code, model_columns.column_name
        ) as quantity_code,
        indicator_quantities.is_event,
        count(model_columns.model_name) as models,
        count(indicator_quantities.quantity_code) as seed_rows,
        bool_or(
            model_columns.model_name = 'int_pc6_event_quantities'
        ) as is_in_event_model

    from indicator_quantities
    full outer join model_columns
        on indicator_quantities.quantity_code = model_columns.column_name
    group by 1, 2

),

final as (

    select * from per_quantity
    where
        models <> 1
        or seed_rows = 0
        or is_event is distinct from is_in_event_model

)

select * from final
