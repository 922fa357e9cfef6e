"""The import graph of the package keeps the layers of ARCHITECTURE.md: no arrow a layer is not
allowed, and no cycle. Every import counts, those made for type checking only too."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

import conformance

PACKAGE: Final = Path(conformance.__file__).parent

#: Layer of each module or package (a package stands for everything inside it).
LAYERS: Final = {
    "base": {"base", "_lazy"},
    "contract": {"contract"},
    "exchange": {"exchange"},
    "checks": {"checks"},
    "generate": {"generate"},
    "report": {"report"},
    "reference": {"reference"},
    "live": {"live"},
    "bridge": {"schemathesis_checks"},
    "cli": {"cli", "__main__", ""},
    "plugin": {"pytest_plugin", "pytest_suite"},
}
ALLOWED: Final = {
    "base": set(),
    "contract": {"base"},
    "exchange": {"base", "contract"},
    "checks": {"base", "contract", "exchange"},
    "generate": {"base", "contract"},
    "report": {"base", "contract", "checks"},
    "reference": {"base", "contract"},
    "live": {"base", "contract", "exchange", "checks", "generate", "report"},
    "bridge": set(LAYERS) - {"cli", "plugin"},
    "cli": set(LAYERS) - {"bridge", "plugin"},
    "plugin": set(LAYERS) - {"cli", "bridge"},
}
#: Modules whose third-party imports come from an optional extra of pyproject.toml, not from the
#: runtime dependencies: module file -> the extra.
OPTIONAL: Final = {"schemathesis_checks.py": "schemathesis"}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> Iterator[str]:
    """What a module imports; ``from package import module`` is an arrow to that module."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("conformance"):
                for alias in node.names:
                    inner = f"{node.module}.{alias.name}"
                    yield inner if inner in modules else node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("conformance"))


def _graph() -> dict[str, set[str]]:
    paths = list(PACKAGE.rglob("*.py"))
    modules = {_module(path) for path in paths}
    return {_module(path): set(_imports(path, modules)) for path in paths}


def _layer(module: str) -> str:
    top = module.removeprefix("conformance").removeprefix(".").split(".")[0]
    (layer,) = [name for name, members in LAYERS.items() if top in members]
    return layer


def test_every_module_has_a_layer() -> None:
    for module in _graph():
        assert _layer(module), module


def test_no_module_imports_a_layer_it_may_not() -> None:
    wrong = []
    for module, imported in _graph().items():
        for target in imported:
            mine, theirs = _layer(module), _layer(target)
            if theirs != mine and theirs not in ALLOWED[mine]:
                wrong.append(f"{module} ({mine}) imports {target} ({theirs})")
    assert not wrong, "\n".join(sorted(wrong))


def test_a_layer_uses_another_only_through_its_public_names() -> None:
    """A package's private modules are its own: another layer imports what its ``__init__``
    exports, so a package can rearrange its insides without touching its users."""
    wrong = []
    for module, imported in _graph().items():
        for target in imported:
            inside = target.removeprefix("conformance.").split(".")
            private = len(inside) > 1 and inside[1].startswith("_")
            if private and _layer(module) != _layer(target):
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def _cycle_arrows(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """The arrows that lie on a cycle: an arrow a -> b where b reaches a again."""

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
        return False

    # A package's __init__ re-exporting its own modules is not a cycle of ideas: leave out the
    # arrows from a package to what it contains.
    return {
        (a, b)
        for a, targets in graph.items()
        for b in targets
        if not b.startswith(a + ".") and reaches(b, a)
    }


def test_no_import_cycle() -> None:
    assert _cycle_arrows(_graph()) == set()


def test_the_checker_sees_a_forbidden_arrow_and_a_cycle() -> None:
    assert _layer("conformance.contract._profile") == "contract"
    assert "exchange" not in ALLOWED["contract"]  # contract -> exchange would be refused
    assert _cycle_arrows({"x.a": {"x.b"}, "x.b": {"x.a"}}) == {("x.a", "x.b"), ("x.b", "x.a")}
    assert _cycle_arrows({"x": {"x.a"}, "x.a": {"x"}}) == {("x.a", "x")}


#: The modules of the pytest plugin (pytest loads the first from the entry point ``pytest11``, the
#: second holds the tests a user imports): they run only inside pytest, so pytest is their host,
#: not a dependency of the package.
PLUGIN: Final = (PACKAGE / "pytest_plugin.py", PACKAGE / "pytest_suite.py")


def _third_party_imports(paths: list[Path]) -> set[str]:
    """The top-level names of everything outside the standard library ``paths`` import."""
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return {name for name in found if name not in sys.stdlib_module_names} - {"conformance"}


def _canonical(requirement: str) -> str:
    name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _distributions(names: set[str]) -> set[str]:
    homes = importlib.metadata.packages_distributions()
    return {_canonical(dist) for name in names for dist in homes[name]}


PROJECT: Final = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())[
    "project"
]


def test_the_runtime_dependencies_are_what_the_package_imports() -> None:
    """No dependency the package never imports (pytest and schemathesis belong to the tests;
    pytest hosts the plugin, which runs only inside it), and none it imports without declaring.
    The modules of :data:`OPTIONAL` do not count: their imports are their extra's."""
    paths = [path for path in PACKAGE.rglob("*.py") if path.name not in OPTIONAL]
    declared = {_canonical(requirement) for requirement in PROJECT["dependencies"]}
    assert _distributions(_third_party_imports(paths) - {"pytest"}) == declared


@pytest.mark.parametrize(("module", "extra"), sorted(OPTIONAL.items()))
def test_an_optional_module_imports_only_its_extra_beyond_the_dependencies(
    module: str, extra: str
) -> None:
    runtime = {_canonical(requirement) for requirement in PROJECT["dependencies"]}
    declared = {_canonical(r) for r in PROJECT["optional-dependencies"][extra]}
    imported = _distributions(_third_party_imports([PACKAGE / module]))
    assert imported - runtime == declared


def test_no_layer_imports_an_optional_module() -> None:
    """``import conformance`` and every command work without the optional extras."""
    optional = {f"conformance.{name.removesuffix('.py')}" for name in OPTIONAL}
    wrong = [m for m, imported in _graph().items() if imported & optional]
    assert not wrong, wrong


def test_only_the_plugin_imports_pytest() -> None:
    others = [path for path in PACKAGE.rglob("*.py") if path not in PLUGIN]
    assert "pytest" not in _third_party_imports(others)
    assert all("pytest" in _third_party_imports([path]) for path in PLUGIN)
