"""The project's own rules, checked: notebooks stored without outputs, each public function
documented with the notebook that uses it, every notebook opening with a goal and ending with a
summary, and a package that reads like the course (imports point back down it)."""

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PACKAGE = ROOT / "dramatune_lib"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")
#: Shared kernels: any stage may import them; they import only each other.
KERNELS = {
    "config",
    "errors",
    "schema",
    "circumplex",
    "media",
    "frames",
    "signal",
    "loudness",
    "parallel",
    "matching",
    "storage",
    "lock",
    "similarity",
    "moments",
}
#: The stages in the order they may import each other, each with its notebook. The app (05), the
#: pipeline it calls and the command line drive every stage, so they sit on top, above the figures.
STAGES = {
    "dataset_prep": "01_dataset_prep.ipynb",
    "feature_extraction": "02_feature_extraction.ipynb",
    "training": "03_training.ipynb",
    "evaluation": "04_evaluation.ipynb",
    "compose": "06_compose.ipynb",
    "fit_and_export": "07_fit_and_export.ipynb",
    "plots": None,
    "pipeline": None,
    "recommend_and_merge": "05_recommend_and_merge.ipynb",
    "cli": None,
    "solutions": None,
}
#: "About 500 lines" (issue #16), with the margin the word "about" gives.
MAX_MODULE_LINES = 520


def _part(mod: Path) -> str:
    """The kernel or stage a module belongs to: the first name below dramatune_lib."""
    return mod.relative_to(PACKAGE).with_suffix("").parts[0]


def _imported_parts(mod: Path) -> list[tuple[int, str]]:
    """(line, kernel or stage) of every dramatune_lib import in a module, function-local ones too."""
    package = list(mod.relative_to(PACKAGE).parts[:-1])
    found = []
    for node in ast.walk(ast.parse(mod.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = package[: len(package) - (node.level - 1)]
            names = base + (node.module.split(".") if node.module else [])
            found += [(node.lineno, names[0])] if names else [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dramatune_lib."):
            found.append((node.lineno, node.module.split(".")[1]))
    return found


@pytest.mark.parametrize(
    "mod", MODULES + sorted(PACKAGE.glob("*/__init__.py*")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_imports_point_back_down_the_course(mod):
    order = list(STAGES)
    here = _part(mod)
    assert here in KERNELS or here in STAGES, f"{mod.name}: say whether {here} is a kernel or a stage (KERNELS, STAGES)"
    for line, there in _imported_parts(mod):
        if there == here or there in KERNELS:
            continue
        assert here not in KERNELS, f"{mod.name}:{line}: the kernel {here} imports the stage {there}"
        assert order.index(there) < order.index(here), f"{mod.name}:{line}: {here} imports {there}, a later stage"


@pytest.mark.parametrize("mod", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_are_short(mod):
    assert len(mod.read_text().splitlines()) <= MAX_MODULE_LINES, f"{mod.name}: split it by concern"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs_and_a_goal_and_summary(nb):
    cells = json.loads(nb.read_text())["cells"]
    for c in cells:
        if c["cell_type"] == "code":
            assert c.get("outputs") == [] and c.get("execution_count") is None, f"{nb.name}: run nbstripout"
    assert all(c.get("id") for c in cells), f"{nb.name}: every cell needs an id (nbformat 4.5)"
    first, last = "".join(cells[0]["source"]), "".join(cells[-1]["source"])
    assert cells[0]["cell_type"] == "markdown" and ("Goal" in first or nb.name.startswith("00"))
    assert cells[-1]["cell_type"] == "markdown" and "Summary" in last


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_cells_are_short(nb):
    for c in json.loads(nb.read_text())["cells"]:
        if c["cell_type"] == "code":
            assert len("".join(c["source"]).splitlines()) <= 20, f"{nb.name}: move long cells into dramatune_lib"


def _calls(name: str) -> str:
    """A pattern for a call of ``name`` (``name(``, ``module.name(``) or an import of it."""
    return rf"(?<![\w.])(?:\w+\.)?{name}\s*\(|import [^\n]*\b{name}\b"


NOTEBOOK_CODE = {
    p.name: "\n".join("".join(c["source"]) for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "code")
    for p in NOTEBOOKS
}


@pytest.mark.parametrize("mod", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_public_functions_name_their_notebook(mod):
    """The last docstring line is "Notebook: A.ipynb[, B.ipynb...]", naming every notebook whose
    code calls the function and no other, or, where no notebook calls it, "Used by: ..." (what
    calls it). An exercise's answer names the notebook that sets the exercise."""
    import re

    for node in ast.walk(ast.parse(mod.read_text())):
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and node.col_offset == 0:
            doc = ast.get_docstring(node)
            assert doc, f"{mod.name}:{node.name} has no docstring"
            last = doc.strip().splitlines()[-1]
            callers = [n for n, code in NOTEBOOK_CODE.items() if re.search(_calls(node.name), code)]
            if _part(mod) == "solutions":
                assert last.startswith("Notebook: ") and last.split(": ", 1)[1] in NOTEBOOK_CODE, f"{node.name}: {last}"
            elif callers:  # the notebooks named in full, or by number where there are three or more
                said = [n[:2] for n in last.removeprefix("Notebook: ").split(", ")]
                assert last.startswith("Notebook: ") and said == [c[:2] for c in callers], f"{node.name}: {callers}"
            else:
                assert last.startswith("Used by: "), f"{mod.name}:{node.name}: no notebook calls it; say what does"


#: The only function-local import of DramaTune's own code: the CLI imports its commands to run
#: one, so ``dramatune --help`` loads no numpy.
LOCAL_IMPORT_OF_OWN_CODE = {("cli/__init__.py", "commands")}


@pytest.mark.parametrize(
    "mod", MODULES + sorted(PACKAGE.glob("*/__init__.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_imports_inside_functions_are_heavy_libraries_only(mod):
    """Stages load lazily, so DramaTune's own modules, numpy and the standard library are imported
    at the top; a function imports only a third-party library that a command may not need."""
    import sys

    light = set(sys.stdlib_module_names) | {"numpy"}
    rel = str(mod.relative_to(PACKAGE))
    for fn in ast.walk(ast.parse(mod.read_text())):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                names = {a.name for a in node.names}
                assert all((rel, n) in LOCAL_IMPORT_OF_OWN_CODE for n in names), (
                    f"{rel}:{node.lineno}: import at the top"
                )
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                heavy = [m for m in mods if m.split(".")[0] not in light and m.split(".")[0] != "dramatune_lib"]
                assert heavy, f"{rel}:{node.lineno}: {', '.join(mods)} is light: import it at the top"


LAZY_STAGES = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.pyi"))


@pytest.mark.parametrize("stage", LAZY_STAGES)
def test_stages_load_lazily_and_offer_what_their_stub_lists(stage):
    """A stage's ``__init__`` loads nothing until a name is asked for (lazy_loader reads the names
    from ``__init__.pyi``), so a command pays only for the modules it runs; every listed name
    resolves."""
    import subprocess
    import sys

    code = (
        f"import sys, dramatune_lib.{stage} as s; before = set(sys.modules)\n"
        "assert not {m for m in before if m.startswith(s.__name__ + '.')}, 'the stage imported a module'\n"
        "assert {'cv2', 'sklearn', 'pandas', 'librosa', 'matplotlib'}.isdisjoint(before), 'a heavy import'\n"
        "missing = [n for n in s.__all__ if getattr(s, n, None) is None]\n"
        "print(missing)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_a_music_module_loads_no_picture_code():
    """Indexing music must not load OpenCV: importing one submodule runs no other of its stage."""
    import subprocess
    import sys

    code = "import sys, dramatune_lib.feature_extraction.tracks; print('cv2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.stdout.strip() == "False", out.stderr[-2000:]


def test_importing_the_package_changes_no_environment():
    """A library must not set environment variables on import (issue #16): import every module
    in a fresh interpreter and compare. OpenCV's own loader adds its folder to LD_LIBRARY_PATH
    when imported, which is not DramaTune's doing: it is imported before the comparison."""
    import os
    import subprocess
    import sys

    names = sorted({".".join(p.relative_to(ROOT).with_suffix("").parts) for p in MODULES if p.name != "__main__.py"})
    code = (
        "import os, importlib, cv2; before = dict(os.environ)\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        "changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))\n"
        "print(changed)"
    )
    # a bare environment: this test process has imported the package already, and a child
    # would inherit whatever that import set
    env = {k: os.environ[k] for k in ("PATH", "HOME", "DRAMATUNE_CACHE") if k in os.environ}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_environment_yml_is_generated_from_the_pins():
    """environment.yml is written by requirements/make_environment.py from pyproject.toml and
    constraints.txt (make freeze), so the conda environment cannot drift from make setup's."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_environment", ROOT / "requirements" / "make_environment.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (ROOT / "environment.yml").read_text() == gen.render(), "run: make freeze"
    assert "music21==" in gen.render()


#: Numbers the notebooks' prose may state although no code holds them: facts about the inputs.
PROSE_FACTS = {
    ("03_training.ipynb", "68"): "34 short-term features, each as a mean and a standard deviation",
    ("03_training.ipynb", "1.4"): "0 A.D.'s package is 1.4 GB (Debian's listing)",
    ("07_fit_and_export.ipynb", "3600"): "CMX 3600, the name of an EDL format",
}


def _library_constants() -> set[str]:
    """Every number written into a named constant of the package (module or class level)."""
    found = set()
    for p in PACKAGE.rglob("*.py"):
        tree = ast.parse(p.read_text())
        for body in [tree.body] + [n.body for n in tree.body if isinstance(n, ast.ClassDef)]:
            for n in body:
                if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None:
                    found |= {
                        repr(c.value)
                        for c in ast.walk(n.value)
                        if isinstance(c, ast.Constant) and type(c.value) in (int, float)
                    }
    return found


def _unsourced(prose: str, code: str, constants: set[str]) -> list[str]:
    """The numbers in ``prose`` that neither ``code`` nor a named constant holds: figures typed in
    by hand, which a later run may contradict. Small whole numbers (counts), years, numbers in
    code spans, formulas and links are left alone."""
    import re

    prose = re.sub(r"`[^`]*`|\$[^$]*\$|\]\([^)]*\)", " ", prose)
    out = []
    for x in re.findall(r"(?<![\w.#/-])\d+(?:\.\d+)?", prose):
        v = float(x)
        if (v.is_integer() and v <= 12) or 1900 <= v <= 2100:
            continue
        forms = {x, x.rstrip("0").rstrip(".") if "." in x else x} | ({f"{int(v)}.0"} if v.is_integer() else set())
        in_code = any(re.search(rf"(?<![\w.]){re.escape(f)}(?!\d)", code) for f in forms)
        if not in_code and not forms & constants:
            out.append(x)
    return out


def test_the_unsourced_figure_check_catches_a_typed_in_result():
    assert _unsourced("valence AUC 0.857 on 41 pairs; tempo ±8 %", "NUDGE = 8", {"8"}) == ["0.857", "41"]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_prose_quotes_no_figure_its_run_does_not_print(nb):
    """A figure in a notebook's prose is an input (in its code or a named constant of the
    package), never a result typed in by hand: results are printed by the run itself, so a
    summary cannot state a number its own run contradicts."""
    cells = json.loads(nb.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    constants = _library_constants()
    for c in cells:
        if c["cell_type"] == "markdown":
            typed = [x for x in _unsourced("".join(c["source"]), code, constants) if (nb.name, x) not in PROSE_FACTS]
            assert not typed, f"{nb.name}: {typed} typed into prose; print them from the run"
