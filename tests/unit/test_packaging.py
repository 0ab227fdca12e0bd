"""pyproject.toml declares ranges; requirements/main.txt, the lock, pins versions inside them."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from straatkubus.settings import REPO


def pins() -> dict[str, str]:
    lines = (REPO / "requirements" / "main.txt").read_text().splitlines()
    pairs = [line.split("==") for line in lines if "==" in line and not line.startswith("#")]
    return {canonicalize_name(name): version.strip() for name, version in pairs}


def test_every_declared_dependency_is_pinned_inside_its_range() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = [Requirement(text) for text in
                [*project["dependencies"], *project["optional-dependencies"]["dev"]]]
    assert declared, "pyproject.toml declares the dependencies"
    pinned = pins()
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not pinned in requirements/main.txt"
        assert requirement.specifier.contains(pinned[name]), \
            f"{requirement.name}=={pinned[name]} is outside {requirement.specifier}"
