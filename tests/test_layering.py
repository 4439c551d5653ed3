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



def test_figure_builders_import_no_streamlit_and_nothing_above_them():
    imports = imported_top_levels("viz")
    assert "plotly" in imports
    bad = {m: f for m, f in imports.items() if m in ("streamlit", "ui", "app_pages")}
    assert not bad, f"viz must not import Streamlit or the app: {bad}"


def test_dependencies_point_down_only():
    for folder, forbidden in (("ui", ("app_pages",)), ("rnn_core", ("viz", "ui", "app_pages", "streamlit", "plotly"))):
        imports = imported_top_levels(folder)
        assert not {m for m in imports if m in forbidden}, f"{folder} imports {forbidden}"


def test_no_page_renders_raw_html():
    """unsafe_allow_html runs scripts in this Streamlit version; no file of the app may use it."""
    offenders = [p.relative_to(ROOT).as_posix() for folder in ("app_pages", "ui", "viz")
                 for p in (ROOT / folder).rglob("*.py") if "unsafe_allow_html" in p.read_text()]
    offenders += ["app.py"] if "unsafe_allow_html" in (ROOT / "app.py").read_text() else []
    assert not offenders


def test_no_legacy_pages_folder_beside_the_entry_script():
    """A folder named pages/ beside app.py switches Streamlit to its legacy router on a fresh server: a first visit
    straight to a page's URL then shows "Page not found" or runs the page without app.py (DESIGN §8, seen on
    1.67). The pages live in app_pages/, and every page in the navigation exists."""
    from ui.nav import PAGES
    assert not (ROOT / "pages").exists()
    assert all((ROOT / p.file).exists() and p.file.startswith("app_pages/") for p in PAGES)
    assert len({p.url_path for p in PAGES}) == len(PAGES)
