"""The layers, checked: solvers see arrays only, geo knows no planner, the three planners never
import each other, only the CLI reaches up into the API or the benchmarks, and no circle.

Every import counts, at module level or inside a function: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ("engine", "solvers", "geo", "api", "benchmarks")
DOMAINS = ("engine.allocation", "engine.unpaid_work", "engine.groups")


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(root: Path) -> list[tuple[str, str, int]]:
    """(importing module, imported module, line) for every import of a product package."""
    out = []
    for top in PRODUCT:
        for path in sorted((root / top).rglob("*.py")):
            if "migrations" in path.parts:  # alembic's scripts: loaded by alembic, not imported
                continue
            mod = _module_name(root, path)
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module]
                else:
                    continue
                out += [(mod, n, node.lineno) for n in names if n.split(".")[0] in PRODUCT]
    return out


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _rule(src: str, dst: str) -> str | None:
    """The layering rule an import of `dst` by `src` breaks (None when it is allowed)."""
    if _within(src, "solvers") and not _within(dst, "solvers"):
        return "solvers/ takes arrays and params: it imports no engine, geo, api or benchmarks"
    if _within(src, "geo") and not _within(dst, "geo"):
        return "geo/ has its own settings type: it imports no planner, store, api or benchmarks"
    if _within(dst, "api") and not (_within(src, "api") or _within(src, "engine.cli")):
        return "only the CLI (and the API itself) imports api"
    if _within(dst, "benchmarks") and not (
        _within(src, "benchmarks") or _within(src, "engine.cli")
    ):
        return "only the CLI (and the benchmarks themselves) import benchmarks"
    for d in DOMAINS:
        if _within(src, d) and any(_within(dst, o) for o in DOMAINS if o != d):
            return "a planner imports no other planner (shared code belongs in engine.core)"
        if _within(dst, d) and (_within(src, "engine.core") or _within(src, "engine.store")):
            return "engine.core and engine.store import no planner"
    if _within(src, "engine.core") and (
        _within(dst, "engine.synthetic") or _within(dst, "engine.cli")
    ):
        return "engine.core imports nothing above it"
    return None


def violations(root: Path) -> list[str]:
    """Every forbidden import, and every circle of imports between modules, as text."""
    found = [
        f"{src} imports {dst} (line {line}): {why}"
        for src, dst, line in imports(root)
        if (why := _rule(src, dst))
    ]
    graph = nx.DiGraph()
    known = {m for m, _, _ in imports(root)}
    for src, dst, _ in imports(root):
        # `from pkg import module` names the package: resolve to the module where it exists
        if dst in known and dst != src:
            graph.add_edge(src, dst)
    found += ["import circle: " + " -> ".join(c) for c in nx.simple_cycles(graph)]
    return found


def test_the_tree_keeps_its_layers():
    assert violations(REPO) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for top in PRODUCT:
        (tmp_path / top).mkdir(parents=True, exist_ok=True)
        (tmp_path / top / "__init__.py").write_text("")
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def test_a_solver_importing_the_engine_is_caught(tmp_path):
    root = _tree(
        tmp_path, {"solvers/model.py": "def f():\n    from engine.core.config import Config\n"}
    )
    assert [v for v in violations(root) if "solvers/ takes arrays" in v]


def test_geo_importing_a_planner_is_caught(tmp_path):
    root = _tree(tmp_path, {"geo/travel.py": "import engine.allocation.records\n"})
    assert [v for v in violations(root) if "geo/" in v]


def test_one_planner_importing_another_is_caught(tmp_path):
    root = _tree(
        tmp_path,
        {
            "engine/groups/plan.py": "from engine.unpaid_work.records import DAYS\n",
            "engine/unpaid_work/records.py": "",
        },
    )
    assert [v for v in violations(root) if "no other planner" in v]


def test_importing_the_api_outside_the_cli_is_caught(tmp_path):
    root = _tree(
        tmp_path,
        {
            "engine/allocation/pipeline.py": "from api.jobs import Job\n",
            "engine/cli/serve.py": "from api.app import create_app\n",
        },
    )
    found = violations(root)
    assert (
        len([v for v in found if "only the CLI" in v]) == 1
        and "engine.allocation.pipeline" in found[0]
    )


def test_an_import_circle_is_caught(tmp_path):
    root = _tree(
        tmp_path,
        {
            "engine/core/a.py": "from engine.core.b import x\n",
            "engine/core/b.py": "from engine.core.a import y\n",
        },
    )
    assert any(v.startswith("import circle") for v in violations(root))


def test_allowed_imports_pass(tmp_path):
    root = _tree(
        tmp_path,
        {
            "engine/allocation/plan.py": "from engine.core.config import Config\nfrom solvers.x import y\n",
            "engine/core/config.py": "from geo.settings import TravelSettings\n",
            "engine/cli/bench.py": "from benchmarks.registry import GAP_SOLVERS\n",
        },
    )
    assert violations(root) == []
