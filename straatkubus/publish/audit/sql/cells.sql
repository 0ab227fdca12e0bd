create temp view audit_cells as {cell_tables}
