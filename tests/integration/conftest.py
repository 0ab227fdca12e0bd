"""Fixtures shared by the integration tests of intake and loading."""

from __future__ import annotations

import dataclasses

import pytest

from straatkubus import cluster


@pytest.fixture(scope="module")
def intake_db(postgres):
    """A database of its own (per test module) for hand-made deliveries."""
    settings = dataclasses.replace(postgres, pg_database="straatkubus_intake_tests")
    cluster.drop_database(settings, settings.pg_database)
    cluster.ensure_databases(settings)
    yield settings
    cluster.drop_database(settings, settings.pg_database)
