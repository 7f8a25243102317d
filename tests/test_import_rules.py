"""The import rules of docs/architecture.md, read from the code with ``ast``.

Every import counts, at the top of a module or inside a function (a lazy import is still a
dependency). Names are resolved to modules: ``from cognito_tutorial import errors`` is an import
of ``cognito_tutorial.errors``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cognito_tutorial"

# What outside the sandbox may import of it: its public face, the package itself (its
# __init__ names what it offers) and `paths`, where its files are.
SANDBOX_FACE = {"cognito_tutorial.sandbox", "cognito_tutorial.sandbox.paths"}
CLI = ("cognito_tutorial.cli", "cognito_tutorial.commands", "cognito_tutorial.__main__")
INSTRUCTOR = "cognito_tutorial.instructor"
SANDBOX = "cognito_tutorial.sandbox"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The modules ``name`` imports: cognito_tutorial's resolved to modules, others as written."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return imports_in(path.read_text(), package)


def imports_in(source: str, package: str) -> set[str]:
    """The modules imported by ``source``, a module of ``package``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                # `from package import module` imports the module; otherwise the name's module.
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return found


IMPORTS = {name: imports_of(name) for name in MODULES}


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def offences(modules, forbidden) -> list[str]:
    return sorted(
        f"{name} imports {target}"
        for name in modules
        for target in IMPORTS[name]
        if forbidden(target)
    )


def test_the_scan_sees_the_package():
    assert "cognito_tutorial.forms.views" in MODULES
    assert "ipywidgets" in IMPORTS["cognito_tutorial.forms.views"]
    assert "cognito_tutorial.errors" in IMPORTS["cognito_tutorial.display"]


def test_learner_helpers_import_neither_the_instructor_tools_nor_the_cli():
    helpers = [
        name
        for name in MODULES
        if not any(within(name, part) for part in (*CLI, INSTRUCTOR, SANDBOX))
    ]
    assert "cognito_tutorial.forms.answers" in helpers and "cognito_tutorial.workspace" in helpers
    assert offences(helpers, lambda t: any(within(t, part) for part in (*CLI, INSTRUCTOR))) == []


def test_only_the_cli_knows_the_cli():
    library = [name for name in MODULES if not any(within(name, part) for part in CLI)]
    assert offences(library, lambda t: any(within(t, part) for part in CLI)) == []


def test_the_answering_logic_imports_no_widgets_and_no_view():
    def view_or_widget(target: str) -> bool:
        return within(target, "ipywidgets") or target in (
            "cognito_tutorial.forms.views",
            "cognito_tutorial.forms.asking",
        )

    assert offences(["cognito_tutorial.forms.answers"], view_or_widget) == []


def test_outside_the_sandbox_only_its_public_face_is_imported():
    outside = [name for name in MODULES if not within(name, SANDBOX)]
    assert offences(outside, lambda t: within(t, SANDBOX) and t not in SANDBOX_FACE) == [], (
        "import the sandbox through its public face"
    )


def test_the_sandbox_imports_nothing_of_the_tutorial_around_it():
    inside = [name for name in MODULES if within(name, SANDBOX)]
    assert inside
    assert (
        offences(inside, lambda t: within(t, "cognito_tutorial") and not within(t, SANDBOX)) == []
    )


def import_cycles() -> list[list[str]]:
    """Strongly connected groups of cognito_tutorial's modules (Tarjan), largest first."""
    graph = {name: sorted(t for t in IMPORTS[name] if t in MODULES) for name in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for target in graph[name]:
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == name:
                    break
            if len(group) > 1 or name in graph[name]:
                groups.append(sorted(group))

    for name in graph:
        if name not in index:
            visit(name)
    return sorted(groups, key=len, reverse=True)


def test_no_import_cycles():
    assert import_cycles() == []


@pytest.mark.parametrize(
    ("code", "package", "expected"),
    [
        ("from cognito_tutorial.forms import answers", "x", "cognito_tutorial.forms.answers"),
        ("from cognito_tutorial.errors import explain", "x", "cognito_tutorial.errors"),
        ("from . import html_boxes", "cognito_tutorial", "cognito_tutorial.html_boxes"),
        (
            "from .answers import Outcome",
            "cognito_tutorial.forms",
            "cognito_tutorial.forms.answers",
        ),
        ("from ..errors import explain", "cognito_tutorial.forms", "cognito_tutorial.errors"),
        ("def f():\n    import ipywidgets", "x", "ipywidgets"),
    ],
)
def test_imports_resolve_to_modules(code, package, expected):
    assert imports_in(code, package) == {expected}
