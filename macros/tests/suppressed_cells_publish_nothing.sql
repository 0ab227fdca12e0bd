{#- Generic test: a suppressed row publishes no count and no value; a published row no reason. -#}
{% test suppressed_cells_publish_nothing(model) %}
    select *
    from {{ model }}
    where
        (is_suppressed and (
            numerator is not null or denominator is not null or value is not null
            or suppression_reason is null
        ))
        or (not is_suppressed and suppression_reason is not null)
{% endtest %}
