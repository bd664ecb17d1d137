"""The teachers' exercise solutions (dramatune_lib.solutions) answer what they say they answer.
The quick ones run here; those of notebooks 03 and 04 train and benchmark for minutes and are run
by hand (their code paths are the notebooks' own, which the notebook tests execute)."""

import json
from pathlib import Path

import pytest

from dramatune_lib import solutions as S

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("0*.ipynb"))


def test_every_exercise_has_a_solution():
    for nb in NOTEBOOKS:
        last = "".join(json.loads(nb.read_text())["cells"][-1]["source"])
        n = nb.name[:2]
        asked = [k for k in range(1, 4) if f"({k})" in last.split("Exercises", 1)[-1]]
        assert all(hasattr(S, f"solution_{n}_{k}") for k in asked), f"{nb.name}: exercises {asked}"


def test_notebooks_keep_the_solutions_out_of_the_students_way():
    for nb in NOTEBOOKS:
        code = [c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"]
        assert not any("solutions" in "".join(c["source"]) for c in code), nb.name


def test_arousal_changes_tempo_and_dynamics_not_the_key():
    _, changed = S.solution_01_2()
    assert {"tempo", "velocity", "loudness_dbfs"} <= set(changed) and not {"key", "mode"} & set(changed)


def test_reweighting_the_faces_moves_the_smile_scene():
    table = S.solution_02_1(factors=(0.0, 2.0))
    assert table.moved[0] == 0  # the weights as analysed give the profile's own point
    assert table.moved[1] > 0.1 and table.moved[2] > 0  # without faces, and at double weight


def test_angry_lines_settle_the_chases_valence():
    plain, said, table = S.solution_02_3()
    assert "valence unclear" in plain and "valence unclear" not in said
    assert "words" in table.to_string()


def test_a_clip_planned_scene_by_scene():
    table = S.solution_05_3()
    scenes = table[table.how.str.startswith("scene")]
    assert len(scenes) == 3 and scenes.pick.nunique() == 3


def test_instrumentation_changes_no_symbolic_metric():
    table = S.solution_06_1()
    assert (table.drop(columns="piece").nunique() == 1).all()


def test_intensity_moves_where_the_fit_starts():
    out = S.solution_07_1()
    assert out[0.0] != out[1.0]


def test_a_broadcast_export_measures_at_its_target():
    lufs, measured = S.solution_07_2()
    assert lufs == pytest.approx(-23.0, abs=0.5) and measured["lufs"] == pytest.approx(-23.0, abs=0.5)


def test_the_trackers_tightness_moves_beats_only_away_from_the_default():
    table = S.solution_02_4()
    assert (table[table.tightness == 100.0]["moved from 100's"] == 0).all()
    assert table["moved from 100's"].sum() > 0  # a loose or a tight tracker puts some beats elsewhere


def test_without_the_relative_gate_the_quiet_stretches_count():
    table = S.solution_07_3()
    assert list(table[table["fails without"]]["case"]) == [3, 4]
    assert (abs(table["both gates"] - table["required"]) <= 0.1).all()
