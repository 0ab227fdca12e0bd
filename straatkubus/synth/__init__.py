"""Synthetic deliveries for Parkstad, seeded and at any scale."""
