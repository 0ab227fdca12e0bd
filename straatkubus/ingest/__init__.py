"""Deliveries in: contracts, intake (pseudonymise, read, refuse), validation, loading, reference data."""
