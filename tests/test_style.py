"""The project's own rules, checked: notebooks stored without outputs, each public function
documented with the notebook that uses it, every notebook opening with a goal and ending with a
summary."""
import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MODULES = sorted(p for p in (ROOT / "dramatune_lib").glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs_and_a_goal_and_summary(nb):
    cells = json.loads(nb.read_text())["cells"]
    for c in cells:
        if c["cell_type"] == "code":
            assert c.get("outputs") == [] and c.get("execution_count") is None, f"{nb.name}: run nbstripout"
    first, last = "".join(cells[0]["source"]), "".join(cells[-1]["source"])
    assert cells[0]["cell_type"] == "markdown" and ("Goal" in first or nb.name.startswith("00"))
    assert cells[-1]["cell_type"] == "markdown" and "Summary" in last


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_cells_are_short(nb):
    for c in json.loads(nb.read_text())["cells"]:
        if c["cell_type"] == "code":
            assert len("".join(c["source"]).splitlines()) <= 20, f"{nb.name}: move long cells into dramatune_lib"


@pytest.mark.parametrize("mod", MODULES, ids=lambda p: p.name)
def test_public_functions_name_their_notebook(mod):
    names = {p.name for p in NOTEBOOKS}
    for node in ast.walk(ast.parse(mod.read_text())):
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and node.col_offset == 0:
            doc = ast.get_docstring(node)
            assert doc, f"{mod.name}:{node.name} has no docstring"
            last = doc.strip().splitlines()[-1]
            assert last.startswith("Notebook: "), f"{mod.name}:{node.name}: last docstring line must name its notebook"
            assert last.split(": ", 1)[1] in names, f"{mod.name}:{node.name}: {last} does not exist"
