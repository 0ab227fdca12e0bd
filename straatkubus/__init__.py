"""Straatkubus Parkstad: glue between deliveries, the warehouse, dbt and Superset."""
