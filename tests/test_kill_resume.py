"""SIGKILL drills: a training job killed mid-epoch, during the mistake pass and while writing a checkpoint is
restarted and ends exactly as the uninterrupted run (predictions, mistakes per epoch, weights), on CPU."""

import pytest
from workflow_helpers import REPO

from nlirobust.training.drill import kill_resume_drill

# 800 pairs, batch 16: 50 steps an epoch; the mistake pass runs 13 batches of 64 after each epoch
POINTS = {
    "train_step:70": "checkpoint-000000050",  # mid-epoch 2: the epoch-1 checkpoint is the newest
    "predict_batch:training-set pass:20": "checkpoint-000000050",  # in epoch 2's mistake pass
    "checkpoint_write:2": "checkpoint-000000050",  # epoch 2's checkpoint half-written: ignored
    "checkpoint_write:1": "",  # the only checkpoint half-written: starts over
}


@pytest.fixture(scope="module")
def drill(tiny_model, small_data, tmp_path_factory):
    flags = {
        "model_in": tiny_model,
        "train_file": small_data["snli_train"],
        "validation_file": small_data["snli_validation"],
        "seed": 7,
        "learning_rate": 1e-3,
        "epochs": 2,
        "batch_size": 16,
        "eval_batch_size": 64,
        "max_length": 64,
        "max_train_examples": 800,
        "logging_steps": 5,
        "threads": 1,
    }
    work = tmp_path_factory.mktemp("drill")
    return {o.point: o for o in kill_resume_drill(REPO / "scripts/train_stage.py", flags, list(POINTS), work)}


@pytest.mark.parametrize("point", list(POINTS))
def test_killed_job_resumes_to_identical_results(drill, point):
    outcome = drill[point]
    assert outcome.killed, f"{point}: the job was not killed there"
    assert outcome.resumed_from == POINTS[point]
    assert outcome.identical
