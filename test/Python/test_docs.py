"""test_docs.py: the example of docs/PythonLayer.md runs as written, in an empty folder,
with the venv's interpreter, and prints what it says: logits within 1e-4 of torch (digital
attention, float32 summed in another order), eight greedy tokens, an evaluation, and the
analog model's attention energy."""
import re
import subprocess
import sys

from conftest import SOURCE

MARKER = "<!-- test_docs.py runs the next python block -->"


def example_script():
    text = (SOURCE / "docs" / "PythonLayer.md").read_text(encoding="utf-8")
    assert text.count(MARKER) == 1, "the guide must mark exactly one example"
    block = re.search(r"```python\n(.*?)```", text[text.index(MARKER):], re.S)
    return block.group(1)


def test_the_guides_example_runs(tmp_path):
    (tmp_path / "example.py").write_text(example_script(), encoding="utf-8")
    proc = subprocess.run([sys.executable, "example.py"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    difference = float(re.search(r"largest difference from torch: (\S+)", out).group(1))
    assert difference <= 1e-4
    tokens = re.search(r"greedy tokens: \[(.*)\]", out).group(1).split(",")
    assert len(tokens) == 8 and all(0 <= int(t) < 64 for t in tokens)
    assert re.search(r"Evaluation\(tokens=15, cross_entropy=", out)
    assert float(re.search(r"attention energy: (\S+) pJ", out).group(1)) > 0
