"""The package's import graph: no cycles, the store below the plan engine and the write-back,
and the pure core importable without Flask or SQLAlchemy.

The graph is read from the source with ``ast``, so every import counts: at the top, inside
functions, and under ``if TYPE_CHECKING:``. ``from a import b`` is an edge to ``a.b`` when
``b`` is a submodule, else to ``a``; relative imports are resolved against the package.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "decidim_bridge"

#: Modules that must stay importable without a web framework or a database driver.
PURE_CORE = (
    "decidim_bridge.plan",
    "decidim_bridge.intake",
    "decidim_bridge.rules",
    "decidim_bridge.page_read",
)


def module_files(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the package."""
    root = package_dir.parent
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` or its nearest enclosing module of the package (None: not ours)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            module = _known(target, modules)
            if module is not None and module != name:
                found.add(module)
    return found


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    modules = module_files(package_dir)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) per strongly connected component with a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph) + 100))
    try:
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return [_cycle_in(component, graph) for component in components]


def _cycle_in(component: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the component's first module back to itself."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & component):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover - Tarjan found one


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(PACKAGE_DIR)


def test_the_package_has_no_import_cycles(graph):
    found = [" -> ".join(cycle) for cycle in cycles(graph)]
    assert found == [], "import cycles:\n" + "\n".join(found)


def test_the_store_imports_neither_the_plan_engine_nor_the_writeback(graph):
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _inside(module, "decidim_bridge.store")
        for target in targets
        if _inside(target, "decidim_bridge.plan") or _inside(target, "decidim_bridge.writeback")
    )
    assert wrong == []


def test_only_the_pipeline_runs_the_plan_engine():
    """Plans are made in one place; everything else calls ``pipeline`` (or reads versions)."""
    users = set()
    for name, path in module_files(PACKAGE_DIR).items():
        if _inside(name, "decidim_bridge.plan"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and "build_plan" in {a.name for a in node.names}:
                users.add(name)
            if isinstance(node, ast.Attribute) and node.attr == "build_plan":
                users.add(name)
    assert users == {"decidim_bridge.pipeline"}


def test_the_pure_core_imports_without_flask_or_sqlalchemy():
    code = (
        f"import {', '.join(PURE_CORE)}; import sys; "
        "assert 'flask' not in sys.modules and 'sqlalchemy' not in sys.modules, "
        "sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_the_web_app_does_not_import_the_worker_or_the_pipeline():
    """The app only needs the event types (``handlers``), not the code that handles them."""
    code = (
        "import decidim_bridge.app, sys; "
        "loaded = {'decidim_bridge.pipeline', 'decidim_bridge.worker'} & set(sys.modules); "
        "assert not loaded, loaded"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


# --- the graph reader itself -----------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root / "pkg"


def test_every_kind_of_import_is_an_edge(tmp_path):
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "def f():\n    from pkg.sub import b\n",
            "pkg/sub/__init__.py": "from typing import TYPE_CHECKING\n",
            "pkg/sub/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..c import thing\n"
            ),
            "pkg/c.py": "import pkg.sub.d\nfrom . import e\nfrom pkg.sub import name\n",
            "pkg/sub/d.py": "import json\n",
            "pkg/e.py": "import pkg\n",
        },
    )
    found = import_graph(package)
    assert found["pkg.a"] == {"pkg.sub.b"}  # inside a function; b is a submodule
    assert found["pkg.sub.b"] == {"pkg.c"}  # under TYPE_CHECKING, relative
    assert found["pkg.c"] == {"pkg.sub.d", "pkg.e", "pkg.sub"}  # `name` is not a module
    assert found["pkg.sub.d"] == set()
    assert found["pkg.e"] == {"pkg"}


def test_a_cycle_is_reported_as_a_path(tmp_path):
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "def later():\n    from pkg.c import x\n",
            "pkg/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n",
            "pkg/d.py": "from pkg import a\n",
        },
    )
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
