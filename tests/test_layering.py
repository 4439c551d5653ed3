"""The engine imports NumPy and the standard library only (and safetensors in its PyTorch-file module)."""

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


#: the one engine module that may import a package beyond NumPy, and that package
SAFETENSORS_MODULE = "rnn_core/pytorch_io.py"


def imports_by_file(folder):
    """{file: set of top-level modules it imports absolutely} for every .py under ``folder``."""
    by_file = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
        by_file[path.relative_to(ROOT).as_posix()] = names
    return by_file


def engine_import_offenders(folder="rnn_core"):
    """{file: forbidden modules}: anything but NumPy and the standard library, except safetensors in the one
    module that reads and writes PyTorch files."""
    offenders = {}
    for file, names in imports_by_file(folder).items():
        allowed = {"numpy", "safetensors"} if file == SAFETENSORS_MODULE else {"numpy"}
        bad = {m for m in names if m not in allowed and m not in sys.stdlib_module_names}
        if bad:
            offenders[file] = sorted(bad)
    return offenders


def test_engine_imports_only_numpy_and_the_standard_library():
    imports = imported_top_levels("rnn_core")
    assert "numpy" in imports
    assert imports_by_file("rnn_core")[SAFETENSORS_MODULE] >= {"safetensors"}
    assert not engine_import_offenders(), ("rnn_core must import only numpy and the standard library "
                                           f"(and safetensors in {SAFETENSORS_MODULE}): {engine_import_offenders()}")


def test_safetensors_anywhere_else_in_the_engine_fails(tmp_path, monkeypatch):
    (tmp_path / "rnn_core").mkdir()
    (tmp_path / "rnn_core" / "pytorch_io.py").write_text("import numpy\nimport safetensors.numpy\n")
    (tmp_path / "rnn_core" / "model.py").write_text("import numpy\nfrom safetensors.numpy import load\n")
    (tmp_path / "rnn_core" / "head.py").write_text("import numpy\nimport torch\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert engine_import_offenders() == {"rnn_core/head.py": ["torch"], "rnn_core/model.py": ["safetensors"]}


def test_checker_sees_a_forbidden_import(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("import numpy\nfrom pandas import DataFrame\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert set(imported_top_levels("pkg")) == {"numpy", "pandas"}



def test_figure_builders_import_no_streamlit_and_nothing_above_them():
    imports = imported_top_levels("viz")
    assert "plotly" in imports
    bad = {m: f for m, f in imports.items() if m in ("streamlit", "ui", "pages")}
    assert not bad, f"viz must not import Streamlit or the app: {bad}"


def test_dependencies_point_down_only():
    above_engine = ("viz", "ui", "pages", "app", "streamlit", "plotly")
    for folder, forbidden in (("ui", ("pages", "app")), ("rnn_core", above_engine)):
        imports = imported_top_levels(folder)
        assert not {m for m in imports if m in forbidden}, f"{folder} imports {forbidden}"


def test_no_page_renders_raw_html():
    """unsafe_allow_html runs scripts in this Streamlit version; no file of the app may use it."""
    offenders = [p.relative_to(ROOT).as_posix() for folder in ("pages", "ui", "viz")
                 for p in (ROOT / folder).rglob("*.py") if "unsafe_allow_html" in p.read_text()]
    offenders += ["app.py"] if "unsafe_allow_html" in (ROOT / "app.py").read_text() else []
    assert not offenders


def test_the_cards_layout_one_script_per_page_in_pages():
    """The design card's top level: app.py is the entry and home page, pages/ holds one script per page of the
    navigation and nothing else, and there is no second page folder."""
    from ui.nav import PAGES
    assert not (ROOT / "app_pages").exists()
    scripts = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py")}
    assert scripts == {p.file for p in PAGES if p.stem != "home"}
    assert PAGES[0].file == "app.py"
    assert len({p.url_path for p in PAGES}) == len(PAGES)
    for folder in ("rnn_core", "viz", "ui", "tests", "bench"):
        assert (ROOT / folder).is_dir(), folder
    assert (ROOT / "requirements.txt").is_file()
