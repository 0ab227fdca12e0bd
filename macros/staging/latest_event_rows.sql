{#- Event rows as the latest deliveries tell them: per sender and month, only the
    rows of the latest delivery covering that month (a yearly and a monthly delivery
    may overlap; the later one is a correction or consolidation), then one row per
    key, taken from the latest delivery. -#}
{% macro latest_event_rows(relation, event_date_column, key_column) %}
    select distinct on ({{ key_column }}) *
    from (
        select
            *,
            max(delivery_id) over (
                partition by
                    delivery_sender, date_trunc('month', {{ event_date_column }})
            ) as latest_delivery_id_of_month
        from {{ relation }}
    ) as deliveries_per_month
    where delivery_id = latest_delivery_id_of_month
    order by {{ key_column }} asc, delivery_id desc
{% endmacro %}
