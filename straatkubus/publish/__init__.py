"""What leaves the warehouse: the disclosure audit and the Superset deployment."""
