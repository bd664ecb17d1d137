"""A library too big for one machine (issue #17): indexing and batch ranking on a real Dask
cluster, a ``LocalCluster`` of two worker processes started and stopped here, give what one
process gives. Dask is in the development extras (``.[dev]``)."""

import sys

import joblib
import pytest

from dramatune_lib import evaluation as ev
from dramatune_lib import matching as rm
from dramatune_lib.feature_extraction import index_library


@pytest.fixture(scope="module")
def cluster_client():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            yield client


def test_index_and_rank_on_a_dask_cluster_as_in_one_process(cluster_client, small_library, tmp_path, monkeypatch):
    monkeypatch.setenv("DRAMATUNE_CACHE", str(tmp_path / "cluster-cache"))  # nothing measured yet
    with joblib.parallel_backend("dask"):
        on_cluster = index_library(small_library)
    ran_there = cluster_client.run(lambda: "dramatune_lib.feature_extraction" in sys.modules)
    assert len(ran_there) == 2 and all(ran_there.values())  # the tracks were measured on the workers
    monkeypatch.setenv("DRAMATUNE_CACHE", str(tmp_path / "one-process-cache"))
    here = index_library(small_library, n_jobs=1)
    assert on_cluster.tracks == here.tracks and on_cluster.skipped == here.skipped
    assert len(here.tracks) == 3 and len(here.skipped) == 2  # the broken ogg and the silent wav

    profiles = [c.profile for c in ev.evaluation_cases(per_quadrant=2)]
    monkeypatch.setattr(rm, "BATCH_PARALLEL_FROM", 0)  # small, but sent to the cluster all the same
    with joblib.parallel_backend("dask"):
        ranked = rm.recommend_batch(profiles, here.tracks)
    assert ranked == [rm.recommend(p, here.tracks) for p in profiles]
