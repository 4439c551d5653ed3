"""The README's engine example is what people copy first: it must run as printed."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples_run_and_print_what_their_comments_say():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README shows a runnable example"
    for code in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
        printed = out.getvalue()
        assert "(4, 1, 8) (1, 1, 8) (1, 1, 8)" in printed
        assert "['bias_hh_l0', 'bias_ih_l0', 'weight_hh_l0', 'weight_ih_l0']" in printed
