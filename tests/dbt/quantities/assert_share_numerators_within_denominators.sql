-- For every share (is_share) whose quantities are columns of the same quantity model,
-- no row counts more with the characteristic than in the group: the numerator really is
-- a subset of the denominator, so the complement is a group of people too.
-- depends_on: {{ ref('indicators') }}
{%- set quantity_models = [
    ref('int_address_quantities'),
    ref('int_pc6_care_quantities'),
] %}
{%- set checks = [] %}
{%- if execute %}
    {%- set shares = run_query(
        'select indicator_code, numerator_quantity_code, denominator_quantity_code'
        ~ ' from ' ~ ref('indicators') ~ ' where is_share order by 1'
    ) %}
    {%- for relation in quantity_models %}
        {%- set names = adapter.get_columns_in_relation(relation)
            | map(attribute='name') | list %}
        {%- for share in shares.rows %}
            {%- if share[1] in names and share[2] in names %}
                {%- do checks.append((relation, share[0], share[1], share[2])) %}
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
{%- endif %}
{%- if checks %}
    {%- for relation, indicator, numerator, denominator in checks %}
        select
            '{{ indicator }}' as indicator_code,
            count(*) as rows_with_numerator_above_denominator
        from {{ relation }}
        where {{ numerator }} > {{ denominator }}
        having count(*) > 0
        {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- else %}
select
    null as indicator_code,
    null as rows_with_numerator_above_denominator
where false
{%- endif %}
