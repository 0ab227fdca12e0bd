"""The deploy: the demo users hold the roles of the design."""

from __future__ import annotations

import pytest

from straatkubus.publish import superset

from ..oracle import DEMO_USERS, SPEC_USERS

pytestmark = pytest.mark.stack


def test_demo_users_have_the_roles_of_the_design(admin_api: superset.Client) -> None:
    """demo_users.yaml and the deployed users hold exactly the role sets the design asks for."""
    in_yaml = {name: set(user["roles"]) for name, user in DEMO_USERS.items()}
    assert in_yaml == SPEC_USERS
    deployed = {
        row["username"]: {role["name"] for role in row["roles"]}
        for row in admin_api.list("/api/v1/security/users/")
        if row["username"] in SPEC_USERS
    }
    assert deployed == SPEC_USERS
