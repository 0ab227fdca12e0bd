{#- post-hook of the marts Superset reads as views: the view runs with the rights of
    whoever queries it, so the row-level security of the tables it reads applies to
    the reader's login (PostgreSQL 15; by default a view reads with its owner's
    rights, past every policy). Runs in the model's transaction, so the view is never
    visible without it. Adapters without row-level security need nothing. -#}
{% macro security_invoker(relation) -%}
    {{ return(adapter.dispatch('security_invoker')(relation)) }}
{%- endmacro %}

{% macro default__security_invoker(relation) -%}
{%- endmacro %}

{% macro postgres__security_invoker(relation) -%}
    alter view {{ relation }} set (security_invoker = true)
{%- endmacro %}
