"""Features import each other only downward, and the core modules import no feature.

Read from the source (ast), every import counted: at module level, inside a function, and under
``if TYPE_CHECKING:`` (an import for annotations only is still a dependency: a cycle hidden there is a cycle). A
feature is a package under server/; the core is the modules directly in server/ except the ones that wire the app
together (the factory, the model registry, the CLI, the demo seeder).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"
WIRING = {"__init__", "models", "cli", "demo"}


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def _graph(server: Path = SERVER) -> tuple[dict[str, set[str]], set[str]]:
    features = {p.name for p in server.iterdir() if (p / "__init__.py").exists()}
    edges: dict[str, set[str]] = defaultdict(set)
    for path in server.rglob("*.py"):
        parts = path.relative_to(server).parts
        source = parts[0] if len(parts) > 1 else f"core:{path.stem}"
        for module in _imports(path):
            names = module.split(".")
            if names[0] == "server" and len(names) > 1 and names[1] in features and names[1] != source:
                edges[source].add(names[1])
    return edges, features


def _cycles(edges: dict[str, set[str]], features: set[str]) -> set[frozenset[str]]:
    """Pairs of features that reach each other (directly or through others)."""

    def reach(start: str) -> set[str]:
        seen, pending = set(), [start]
        while pending:
            for nxt in edges.get(pending.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    pending.append(nxt)
        return seen

    reachable = {feature: reach(feature) for feature in features}
    return {frozenset({a, b}) for a in features for b in reachable[a] if a != b and b in features and a in reachable[b]}


def test_no_cycle_between_features():
    edges, features = _graph()
    cycles = {tuple(sorted(pair)) for pair in _cycles(edges, features)}
    assert not cycles, f"features that import each other: {sorted(cycles)}"


def test_the_core_imports_no_feature():
    edges, _ = _graph()
    offenders = {
        source: sorted(targets)
        for source, targets in edges.items()
        if source.startswith("core:") and source.removeprefix("core:") not in WIRING and targets
    }
    assert not offenders


def test_the_check_sees_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}, {"a", "b", "c"}) == {
        frozenset({"a", "b"}),
        frozenset({"a", "c"}),
        frozenset({"b", "c"}),
    }


def test_an_import_for_annotations_only_counts(tmp_path):
    for name, source in {
        "a": "from server.b.models import B\n",
        "b": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from server.a.models import A\n",
    }.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
        (tmp_path / name / "models.py").write_text(source)
    assert _cycles(*_graph(tmp_path)) == {frozenset({"a", "b"})}
