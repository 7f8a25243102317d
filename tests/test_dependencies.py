"""Dependencies, honestly declared: pyproject.toml names every package the code imports, and
allows the versions requirements.txt pins (the ones the tests ran with)."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cognito_tutorial.instructor.preflight.requirements import read_pins

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DEPENDENCIES = [Requirement(line) for line in PROJECT["dependencies"]]
TEST_DEPENDENCIES = [Requirement(line) for line in PROJECT["optional-dependencies"]["test"]]
# What only an instructor's command needs, installed with `make test` (requirements-test.txt).
EXTRA_DEPENDENCIES = [
    Requirement(line)
    for name, lines in PROJECT["optional-dependencies"].items()
    if name != "test"
    for line in lines
]


def imported_top_level_modules(folder: Path) -> set[str]:
    """The first part of every absolute module name imported by the .py files in ``folder``."""
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_range_allows_the_pinned_version():
    pins = read_pins(ROOT / "requirements.txt") | read_pins(ROOT / "requirements-test.txt")
    for requirement in DEPENDENCIES + TEST_DEPENDENCIES + EXTRA_DEPENDENCIES:
        pinned = pins.get(canonicalize_name(requirement.name))
        assert pinned, f"{requirement.name} is declared but not pinned in requirements*.txt"
        assert requirement.specifier.contains(pinned), f"{requirement} excludes the pin {pinned}"
        assert "<" in str(requirement.specifier), f"{requirement} allows untested releases"


def test_every_imported_package_is_declared():
    declared = {
        canonicalize_name(requirement.name) for requirement in DEPENDENCIES + EXTRA_DEPENDENCIES
    }
    distributions = metadata.packages_distributions()
    third_party = imported_top_level_modules(ROOT / "cognito_tutorial") - {
        *sys.stdlib_module_names,
        "cognito_tutorial",
    }
    assert third_party, "the scan found no imports"
    for module in sorted(third_party):
        providers = {canonicalize_name(name) for name in distributions.get(module, [])}
        assert providers & declared, f"{module} is imported but {providers} is not declared"
