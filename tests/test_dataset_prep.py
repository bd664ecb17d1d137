import json

import pytest

from dramatune_lib.circumplex import quadrant
from dramatune_lib.dataset_prep import DEMO_CUES
from dramatune_lib.media import probe_scene


def test_demo_library_spans_the_four_quadrants(demo):
    rows = json.loads((demo.library / "cues.json").read_text())
    assert len(rows) == len(DEMO_CUES) >= 24
    quads = {r["quadrant"] for r in rows}
    assert quads == {"positive-high", "positive-low", "negative-high", "negative-low"}
    tempos = [r["tempo"] for r in rows]
    assert min(tempos) <= 70 and max(tempos) >= 170
    assert {r["mode"] for r in rows} == {"major", "minor"}
    assert len({r["instrument"] for r in rows}) >= 4
    assert all(20 <= r["seconds"] <= 40 for r in rows)
    for r in rows:
        assert (demo.library / r["file"]).exists()
        assert quadrant(r["valence"], r["arousal"]) == r["quadrant"]


def test_demo_scenes_are_real_videos_of_the_right_length(demo):
    assert set(demo.scenes) == {"smile", "night", "chase"}
    for path in demo.scenes.values():
        info = probe_scene(path)
        assert info.has_audio and info.video_codec == "h264"
        assert 8 <= info.duration <= 15


# --- the report's datasets, read from a local copy ------------------------------------------


def _liris_copy(root):
    """A local copy laid out as LIRIS-ACCEDE's two zips unpack (generated excerpts, invented
    ratings: this checks the reading, not the data)."""
    import numpy as np

    from dramatune_lib.frames import write_video

    data = root / "LIRIS-ACCEDE-data" / "data"
    ann = root / "LIRIS-ACCEDE-annotations" / "annotations"
    data.mkdir(parents=True)
    ann.mkdir(parents=True)
    for i in range(3):
        frames = (np.full((90, 160, 3), 40 * (i + 1) + k, np.uint8) for k in range(25))
        write_video(data / f"ACCEDE0000{i}.mp4", frames, (160, 90), 25)
    (ann / "ACCEDEranking.txt").write_text(
        "id\tname\tvalenceRank\tarousalRank\tvalenceValue\tarousalValue\tvalenceVariance\tarousalVariance\n"
        "0\tACCEDE00000.mp4\t10\t20\t1.5\t4.0\t0.1\t0.1\n"
        "1\tACCEDE00001.mp4\t30\t5\t3.5\t2.0\t0.1\t0.1\n"
        "2\tACCEDE00002.mp4\t40\t9\t3.0\t3.0\t0.1\t0.1\n"
        "3\tACCEDE00003.mp4\t50\t7\t2.0\t2.5\t0.1\t0.1\n"
    )  # its excerpt is not in the copy
    (ann / "ACCEDEsets.txt").write_text(
        "id\tname\tset\n0\tACCEDE00000.mp4\t0\n1\tACCEDE00001.mp4\t1\n2\tACCEDE00002.mp4\t2\n3\tACCEDE00003.mp4\t0\n"
    )


def test_liris_accede_is_read_from_a_local_copy(tmp_path):
    from dramatune_lib.dataset_prep import load_liris_accede, report_datasets

    _liris_copy(tmp_path)
    clips = load_liris_accede(tmp_path)
    assert [c.name for c in clips] == ["ACCEDE00000.mp4", "ACCEDE00001.mp4", "ACCEDE00002.mp4"]
    assert (clips[0].valence, clips[0].arousal) == (-0.75, 0.5)  # 1..5 ratings onto -1..1
    assert [c.subset for c in clips] == ["test", "learning", "validation"]
    assert len(load_liris_accede(tmp_path, limit=2)) == 2
    line = report_datasets(liris=tmp_path, kaggle=tmp_path / "none")["LIRIS-ACCEDE"]
    assert line == "3 annotated excerpts (1 test, 1 learning, 1 validation)"


def test_missing_datasets_say_what_to_download_and_where(tmp_path):
    from dramatune_lib.dataset_prep import DatasetMissingError, load_kaggle_music, load_liris_accede

    with pytest.raises(DatasetMissingError, match=r"https://liris-accede\.ec-lyon\.fr/.*" + str(tmp_path)):
        load_liris_accede(tmp_path)
    (tmp_path / "ACCEDEranking.txt").write_text("id\tname\n")
    with pytest.raises(DatasetMissingError, match="no ACCEDE\\*.mp4 excerpt"):
        load_liris_accede(tmp_path)
    with pytest.raises(DatasetMissingError, match="shanmukh05.*one sub-folder of audio files per class"):
        load_kaggle_music(tmp_path / "kaggle")


def test_kaggle_music_is_grouped_by_class(tmp_path):
    import numpy as np
    import soundfile as sf

    from dramatune_lib.dataset_prep import load_kaggle_music

    for cls, n in (("Dramatic", 2), ("Calm", 1)):
        (tmp_path / "train" / cls).mkdir(parents=True)
        for i in range(n):
            sf.write(tmp_path / "train" / cls / f"{i}.wav", np.zeros(8000, np.float32), 8000)
    (tmp_path / "README.txt").write_text("not audio")
    groups = load_kaggle_music(tmp_path)
    assert {k: len(v) for k, v in groups.items()} == {"Dramatic": 2, "Calm": 1}


def test_liris_agreement_counts_sides_and_ranks():
    from types import SimpleNamespace as NS

    from dramatune_lib.dataset_prep import LirisClip, liris_agreement

    clips = [LirisClip(str(i), "", v, a, 0, 0, "") for i, (v, a) in enumerate([(-0.5, 0.5), (0.2, -0.1), (0.6, 0.3)])]
    profiles = [NS(valence=-0.1, arousal=0.9), NS(valence=0.3, arousal=0.2), NS(valence=0.8, arousal=0.1)]
    got = liris_agreement(clips, profiles)
    assert got["valence_sign"] == 1.0 and got["arousal_sign"] == pytest.approx(2 / 3, abs=1e-3)
    assert got["valence_spearman"] == pytest.approx(1.0)
