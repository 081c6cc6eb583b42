"""The package's layers: no import cycle inside ``sim/``, rules free of Mesa and Hydra, errors a
leaf, Hydra callbacks at the top.

The import graph is read with ``ast`` from ``sim/**/*.py``: every ``import`` and ``from ...
import`` of a ``sim`` module, at module level or inside a function (a deferred import is still a
dependency), except under ``if TYPE_CHECKING:``. Print it, with any cycles, for this tree or
another one (e.g. an older revision unpacked with ``git archive REV sim | tar -x -C /tmp/old``):

    python tests/test_imports.py [PACKAGE_DIR]
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "sim"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _under_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def import_graph(root: Path = PACKAGE) -> nx.DiGraph:
    """Module -> the ``sim`` modules it imports (``from sim.rules import utility`` names the
    submodule when there is one, else the package)."""
    files = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if _under_type_checking(node, parents):
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in files else node.module
                    for a in node.names
                ]
            for target in targets:
                if target in files and target != name:
                    graph.add_edge(name, target)
    return graph


def test_no_import_cycle_inside_sim():
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c + c[:1]) for c in cycles)


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    pkg = tmp_path / "sim"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from sim.b import x\n")
    (pkg / "b.py").write_text("def f():\n    from sim import a\n")
    assert list(nx.simple_cycles(import_graph(pkg))) in ([["sim.a", "sim.b"]], [["sim.b", "sim.a"]])


def test_errors_is_a_leaf_and_callbacks_sit_at_the_top():
    graph = import_graph()
    assert list(graph.successors("sim.errors")) == []
    assert set(graph.predecessors("sim.callbacks")) == set()  # named in config.yaml only


def test_rules_reach_neither_the_config_nor_the_model():
    reach = {
        m for m in nx.descendants(import_graph(), "sim.rules") if not m.startswith("sim.rules")
    }
    assert reach <= {"sim.errors", "sim.checks", "sim.ties"}, reach


def test_importing_the_rules_loads_neither_mesa_nor_hydra():
    code = (
        "import sys, sim.rules, sim.rules.budget, sim.ties\n"
        "bad = [m for m in ('mesa', 'hydra', 'omegaconf') if m in sys.modules]\n"
        "assert not bad, bad\n"
        "from hydra.core.config_store import ConfigStore\n"
        "assert 'base_config' not in ConfigStore.instance().repo, 'registered on import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE
    g = import_graph(root)
    for name in sorted(g):
        print(f"{name:22} -> {', '.join(sorted(g.successors(name))) or '(none)'}")
    found = list(nx.simple_cycles(g))
    print(f"\n{g.number_of_nodes()} modules, {g.number_of_edges()} imports, {len(found)} cycles")
    for c in sorted(found, key=len):
        print("  cycle: " + " -> ".join(c + c[:1]))
