"""Features import each other only downward, and the core modules import no feature.

Read from the source (ast), every import counted (module level or inside a function), except those under
``if TYPE_CHECKING:`` (annotations only). A feature is a package under server/; the core is the modules directly in
server/ except the ones that wire the app together (the factory, the model registry, the CLI, the demo seeder).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"
WIRING = {"__init__", "models", "cli", "demo"}
# Cycles still to untangle (say why when adding one, and remove it when it is gone); no other cycle may appear.
KNOWN_CYCLES = {
    frozenset({"audit", "orgunits"}): "orgunits records audit rows; the audit trail is read within an org-unit scope",
    frozenset({"hazards", "photos"}): "HazardOut nests photos; photo uploads and reads look up their hazard",
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    annotations_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in annotations_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def _graph() -> tuple[dict[str, set[str]], set[str]]:
    features = {p.name for p in SERVER.iterdir() if (p / "__init__.py").exists()}
    edges: dict[str, set[str]] = defaultdict(set)
    for path in SERVER.rglob("*.py"):
        parts = path.relative_to(SERVER).parts
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


def test_no_new_cycle_between_features():
    edges, features = _graph()
    new = {tuple(sorted(pair)) for pair in _cycles(edges, features) - set(KNOWN_CYCLES)}
    assert not new, f"features that import each other: {sorted(new)}"


def test_the_known_cycles_are_still_there():
    """A cycle untangled leaves KNOWN_CYCLES, so it cannot come back unnoticed."""
    edges, features = _graph()
    assert set(KNOWN_CYCLES) <= _cycles(edges, features)


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
