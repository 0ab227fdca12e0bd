{#- The Dutch name of the register a denominator quantity comes from (its source in
    seeds/indicator_quantities.csv), for notes such as "Noemer: BRP 2024". -#}
{% macro register_label(source) -%}
    case {{ source }}
        when 'brp_persons' then 'BRP'
        when 'bag_addresses' then 'BAG'
        else 'registers'
    end
{%- endmacro %}
