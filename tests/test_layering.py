"""The engine imports NumPy and the standard library only."""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_top_levels(folder):
    """{top-level module name: first file importing it} for every absolute import under ``folder``."""
    found = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path.relative_to(ROOT).as_posix())
    return found


def test_engine_imports_only_numpy_and_the_standard_library():
    imports = imported_top_levels("rnn_core")
    assert "numpy" in imports
    bad = {m: f for m, f in imports.items() if m != "numpy" and m not in sys.stdlib_module_names}
    assert not bad, f"rnn_core must import only numpy and the standard library: {bad}"


def test_checker_sees_a_forbidden_import(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("import numpy\nfrom pandas import DataFrame\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert set(imported_top_levels("pkg")) == {"numpy", "pandas"}

