"""The training loop on the tiny model: it learns, records every example every epoch, and resumes exactly."""

import os
import signal
from pathlib import Path

import pandas as pd
import pytest

from nlirobust.encoding import encode_pairs
from nlirobust.training.stage import StageArguments, train_stage
from nlirobust.training.trainer import NLITrainer

EPOCHS = 2


def stage_args(tiny_model, small_data, out, **overrides) -> StageArguments:
    values = dict(
        model_in=str(tiny_model),
        train_file=str(small_data["snli_train"]),
        validation_file=str(small_data["snli_validation"]),
        output_dir=str(out / "run"),
        checkpoint_dir=str(out / "checkpoints"),
        seed=7,
        learning_rate=1e-3,
        epochs=EPOCHS,
        batch_size=16,
        eval_batch_size=64,
        max_length=64,
        warmup_ratio=0.1,
        logging_steps=1,
        threads=1,
    )
    return StageArguments(**(values | overrides))


@pytest.fixture(scope="module")
def uninterrupted(tiny_model, small_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    facts = train_stage(stage_args(tiny_model, small_data, out))
    return out / "run", facts


def test_loss_falls_and_every_example_is_recorded_each_epoch(uninterrupted, small_data):
    run, facts = uninterrupted
    steps = pd.read_csv(run / "train_log.csv")
    assert steps["loss"].head(5).mean() > steps["loss"].tail(5).mean() + 0.05
    assert steps["learning_rate"].iloc[-1] < steps["learning_rate"].max()  # linear decay after warmup

    train_ids = pd.read_parquet(small_data["snli_train"])["id"].tolist()
    predictions = pd.read_parquet(run / "train_predictions.parquet")
    assert len(predictions) == len(train_ids) * EPOCHS
    for epoch, group in predictions.groupby("epoch"):
        assert group["id"].tolist() == train_ids, f"epoch {epoch}"
    probs = predictions[["prob_e", "prob_n", "prob_c"]].sum(axis=1)
    assert probs.between(0.999, 1.001).all()
    assert (predictions["pred"] == predictions[["prob_e", "prob_n", "prob_c"]].to_numpy().argmax(1)).all()
    import json

    written = json.loads((run / "run.json").read_text())
    assert written["cuda_graphs"] is None  # a CPU run: the eager loop, and run.json says so
    assert written["arguments"]["cuda_graphs"] is True  # the setting, which a GPU run would have used

    epochs = pd.read_csv(run / "epoch_log.csv")
    assert epochs["epoch"].tolist() == [1, 2]
    mistakes = predictions.assign(wrong=predictions["gold"] != predictions["pred"]).groupby("epoch")["wrong"].sum()
    assert epochs["train_mistakes"].tolist() == mistakes.tolist()
    assert facts["global_steps"] == EPOCHS * -(-len(train_ids) // 16)
    assert (run / "model" / "config.json").exists()
    assert (run / "model" / "tokenizer.json").exists()
    assert not (run.parent / "checkpoints").exists()  # removed after success


def assert_same_results(run_a, run_b):
    pd.testing.assert_frame_equal(
        pd.read_parquet(run_a / "train_predictions.parquet"),
        pd.read_parquet(run_b / "train_predictions.parquet"),
    )
    a, b = pd.read_csv(run_a / "epoch_log.csv"), pd.read_csv(run_b / "epoch_log.csv")
    pd.testing.assert_series_equal(a["eval_loss"], b["eval_loss"])
    pd.testing.assert_series_equal(a["train_loss"], b["train_loss"])


def train_until_crash_in_second_epoch(monkeypatch, args: StageArguments) -> None:
    """Run a stage that dies after its first epoch's checkpoint, as on a node that fails."""
    original = NLITrainer._end_of_epoch

    def crash(self, epoch, *rest):
        if epoch == 1:
            raise RuntimeError("node died")
        return original(self, epoch, *rest)

    with monkeypatch.context() as patch:
        patch.setattr(NLITrainer, "_end_of_epoch", crash)
        with pytest.raises(RuntimeError, match="node died"):
            train_stage(args)


def train_until_sigterm(monkeypatch, args: StageArguments, at_call: int) -> int:
    """Run a stage that receives SIGTERM (what SLURM sends before a time limit or preemption) in its `at_call`-th
    loss computation; return its exit status."""
    original = NLITrainer.compute_loss
    calls = {"n": 0}

    def loss_then_sigterm(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == at_call:
            os.kill(os.getpid(), signal.SIGTERM)
        return original(self, *a, **k)

    with monkeypatch.context() as patch:
        patch.setattr(NLITrainer, "compute_loss", loss_then_sigterm)
        with pytest.raises(SystemExit) as stopped:
            train_stage(args)
    return stopped.value.code


def test_resume_after_a_crash_between_epochs_is_exact(uninterrupted, tiny_model, small_data, tmp_path, monkeypatch):
    train_until_crash_in_second_epoch(monkeypatch, stage_args(tiny_model, small_data, tmp_path))
    assert list((tmp_path / "checkpoints").glob("checkpoint-*"))
    train_stage(stage_args(tiny_model, small_data, tmp_path))
    assert_same_results(uninterrupted[0], tmp_path / "run")


def test_sigterm_mid_epoch_checkpoints_then_resumes_exactly(
    uninterrupted, tiny_model, small_data, tmp_path, monkeypatch
):
    # in the second epoch (94 steps an epoch)
    assert train_until_sigterm(monkeypatch, stage_args(tiny_model, small_data, tmp_path), at_call=120) == 143
    assert sorted(p.name for p in (tmp_path / "checkpoints").glob("checkpoint-*"))[-1] == "checkpoint-000000120"

    train_stage(stage_args(tiny_model, small_data, tmp_path))
    assert_same_results(uninterrupted[0], tmp_path / "run")


def test_checkpoint_of_another_configuration_is_not_resumed(tiny_model, small_data, tmp_path, monkeypatch, caplog):
    train_until_crash_in_second_epoch(monkeypatch, stage_args(tiny_model, small_data, tmp_path, learning_rate=5e-4))
    train_stage(stage_args(tiny_model, small_data, tmp_path, learning_rate=1e-3))
    assert "made from other inputs or settings; discarded" in caplog.text
    assert pd.read_csv(tmp_path / "run" / "epoch_log.csv")["epoch"].tolist() == [1, 2]


def test_checkpoint_is_discarded_when_the_starting_model_changes_at_the_same_path(
    tiny_model, small_data, tmp_path, monkeypatch, caplog
):
    """A retrained first stage (or an edited model) at the same path: resuming would mix two starting points."""
    import shutil

    import torch

    from nlirobust.modeling import load_classifier

    model_dir = tmp_path / "start"
    shutil.copytree(tiny_model, model_dir)
    train_until_crash_in_second_epoch(monkeypatch, stage_args(model_dir, small_data, tmp_path / "killed"))

    model, tokenizer = load_classifier(model_dir)  # same shapes, other weights: as a retrained stage would be
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(0.9)
    model.save_pretrained(model_dir)
    caplog.clear()
    caplog.set_level("INFO")
    train_stage(stage_args(model_dir, small_data, tmp_path / "killed"))
    assert "discarded, starting over" in caplog.text
    assert "resumed from" not in caplog.text

    train_stage(stage_args(model_dir, small_data, tmp_path / "clean"))
    assert_same_results(tmp_path / "clean/run", tmp_path / "killed/run")


def test_speed_and_logging_settings_do_not_void_a_checkpoint(
    uninterrupted, tiny_model, small_data, tmp_path, monkeypatch, caplog
):
    train_until_crash_in_second_epoch(monkeypatch, stage_args(tiny_model, small_data, tmp_path))
    caplog.clear()
    caplog.set_level("INFO")
    train_stage(
        stage_args(
            tiny_model,
            small_data,
            tmp_path,
            eval_batch_size=17,
            threads=2,
            tokenization_cache=str(tmp_path / "tc"),
            cuda_graphs=False,
            fused_optimizer=False,
            pad_to_multiple_of=8,
        )
    )
    assert "resumed from" in caplog.text
    assert "discarded" not in caplog.text
    assert_same_results(uninterrupted[0], tmp_path / "run")


def test_training_pairs_that_sit_in_a_scored_set_follow_the_leakage_setting(tiny_model, small_data, tmp_path):
    import json

    from nlirobust.data.schema import DataFormatError
    from nlirobust.overlap import write_leakage_lists
    from nlirobust.provenance import file_digest

    train = pd.read_parquet(small_data["snli_train"]).iloc[:300]
    scored = train.iloc[:40].assign(id=lambda f: "t" + f["id"], premise=lambda f: "  " + f["premise"].str.upper())
    train.to_parquet(tmp_path / "train.parquet")
    scored.to_parquet(tmp_path / "scored.parquet")
    # the leakage list data_overlap writes for this training source (the scored set's pairs it shares)
    write_leakage_lists(
        {"train": tmp_path / "train.parquet"}, {"x/scored": tmp_path / "scored.parquet"}, "exclude", [tmp_path / "l"]
    )
    common = dict(train_file=str(tmp_path / "train.parquet"), leakage_list=str(tmp_path / "l"))
    common |= dict(epochs=1, record_train_predictions=False)

    with pytest.raises(DataFormatError, match="40 of 300 training pairs also sit in sets"):
        train_stage(stage_args(tiny_model, small_data, tmp_path / "fail", leakage="fail", **common))
    assert not (tmp_path / "fail/run/model").exists()

    facts = train_stage(stage_args(tiny_model, small_data, tmp_path / "exclude", **common))
    written = json.loads((tmp_path / "exclude/run/run.json").read_text())
    assert facts["train_examples"] == 260
    assert written["overlap"]["dropped"] == 40
    assert written["overlap"]["by_set"] == {"x/scored": 40}
    assert written["leakage_list_digest"] == file_digest(tmp_path / "l")

    facts = train_stage(stage_args(tiny_model, small_data, tmp_path / "report", leakage="report", **common))
    assert facts["train_examples"] == 300
    assert facts["overlap"]["kept_overlapping"] == 40


def run_cli(args: StageArguments) -> None:
    """train_stage through its command line, in a fresh process, as a Snakemake job runs it."""
    import subprocess
    import sys
    from dataclasses import asdict

    from workflow_helpers import REPO

    flags = [f"--{k}={v}" for k, v in asdict(args).items() if v is not None]
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts/train_stage.py"), *flags], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_same_seed_gives_byte_identical_predictions_across_processes(uninterrupted, tiny_model, small_data, tmp_path):
    run_cli(stage_args(tiny_model, small_data, tmp_path / "a"))
    run_cli(stage_args(tiny_model, small_data, tmp_path / "b"))
    a = (tmp_path / "a/run/train_predictions.parquet").read_bytes()
    assert a == (tmp_path / "b/run/train_predictions.parquet").read_bytes()
    # and the same numbers as the in-process run
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "a/run/train_predictions.parquet"),
        pd.read_parquet(uninterrupted[0] / "train_predictions.parquet"),
    )


def test_other_seed_gives_other_mistakes(uninterrupted, tiny_model, small_data, tmp_path):
    train_stage(stage_args(tiny_model, small_data, tmp_path, seed=8))
    ours = pd.read_parquet(tmp_path / "run/train_predictions.parquet")
    theirs = pd.read_parquet(uninterrupted[0] / "train_predictions.parquet")
    wrong = lambda frame: set(frame.loc[(frame["epoch"] == EPOCHS) & (frame["gold"] != frame["pred"]), "id"])  # noqa: E731
    assert wrong(ours) != wrong(theirs)


def test_corrupt_newest_checkpoint_falls_back_to_the_previous(
    uninterrupted, tiny_model, small_data, tmp_path, monkeypatch, caplog
):
    train_until_crash_in_second_epoch(monkeypatch, stage_args(tiny_model, small_data, tmp_path))
    corrupt = tmp_path / "checkpoints" / "checkpoint-999999999"  # newer than the real one, and half-written
    corrupt.mkdir()
    (corrupt / "state.pt").write_bytes(b"half a file")
    train_stage(stage_args(tiny_model, small_data, tmp_path))
    assert "unreadable" in caplog.text
    assert_same_results(uninterrupted[0], tmp_path / "run")


def test_logged_steps_and_epochs_reach_tracking_callbacks(tiny_model, small_data, tmp_path, monkeypatch):
    """What `report_to` (TensorBoard, W&B) would receive: every logged step and every epoch's validation."""
    from transformers import TrainerCallback

    seen = []

    class Recorder(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            seen.append(dict(logs))

    original = NLITrainer.__init__

    def with_recorder(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.add_callback(Recorder())

    monkeypatch.setattr(NLITrainer, "__init__", with_recorder)
    train_stage(
        stage_args(tiny_model, small_data, tmp_path, epochs=1, logging_steps=10, record_train_predictions=False)
    )
    steps = pd.read_csv(tmp_path / "run/train_log.csv")
    assert [row["loss"] for row in seen if "loss" in row] == steps["loss"].tolist()
    assert [row["eval_accuracy"] for row in seen if "eval_accuracy" in row] == pytest.approx(
        pd.read_csv(tmp_path / "run/epoch_log.csv")["eval_accuracy"].tolist()
    )


def test_length_grouped_batches_pad_less_and_keep_the_run_deterministic(tiny_model, small_data, tmp_path):
    from transformers import DataCollatorWithPadding

    from nlirobust.modeling import load_classifier
    from nlirobust.training.optimization import epoch_loader

    model, tokenizer = load_classifier(tiny_model)
    dataset = encode_pairs(pd.read_parquet(small_data["snli_train"]), tokenizer, 64)

    def padded_tokens(strategy: str) -> tuple[int, list]:
        from transformers import TrainingArguments

        args = TrainingArguments(
            output_dir=str(tmp_path / strategy),
            per_device_train_batch_size=16,
            report_to="none",
            train_sampling_strategy=strategy,
            seed=7,
        )
        trainer = NLITrainer(
            model=model,
            args=args,
            train_dataset=dataset,
            data_collator=DataCollatorWithPadding(tokenizer),
            train_ids=list(range(len(dataset))),
            checkpoint_dir=tmp_path / "c",
            fingerprint="x",
        )
        batches = list(epoch_loader(trainer, 0, 16))
        return sum(b["input_ids"].numel() for b in batches), [b["labels"].tolist() for b in batches[:3]]

    random_total, _ = padded_tokens("random")
    grouped_total, first = padded_tokens("group_by_length")
    assert grouped_total < 0.95 * random_total
    assert padded_tokens("group_by_length")[1] == first  # same seed, same batches


def test_train_forward_record_is_free_and_covers_every_example(tiny_model, small_data, tmp_path):
    train_stage(stage_args(tiny_model, small_data, tmp_path, mistake_record="train_forward"))
    predictions = pd.read_parquet(tmp_path / "run/train_predictions.parquet")
    train_ids = pd.read_parquet(small_data["snli_train"])["id"].tolist()
    assert predictions.groupby("epoch").size().tolist() == [len(train_ids)] * EPOCHS
    assert predictions[["prob_e", "prob_n", "prob_c"]].notna().all().all()
    epochs = pd.read_csv(tmp_path / "run/epoch_log.csv")
    assert (epochs["mistake_pass_seconds"] == 0).all()


def test_tokenisation_is_cached_per_data_set_and_tokenizer(tiny_model, small_data, tmp_path):
    from nlirobust.modeling import load_classifier

    _, tokenizer = load_classifier(tiny_model)
    pairs = pd.read_parquet(small_data["snli_validation"])
    first = encode_pairs(pairs, tokenizer, 64, tmp_path / "cache")
    assert len(list((tmp_path / "cache").iterdir())) == 1
    again = encode_pairs(pairs, tokenizer, 64, tmp_path / "cache")
    assert again["input_ids"] == first["input_ids"] == encode_pairs(pairs, tokenizer, 64)["input_ids"]
    encode_pairs(pairs, tokenizer, 32, tmp_path / "cache")  # another max_length is another entry
    encode_pairs(pairs.iloc[:50], tokenizer, 64, tmp_path / "cache")  # other pairs too
    assert len(list((tmp_path / "cache").iterdir())) == 3


def test_a_planted_checkpoint_runs_no_code_and_the_job_starts_over(tiny_model, small_data, tmp_path, caplog):
    """A pickle dropped into the checkpoint folder (shared scratch, a copied results tree) must never execute."""
    import pickle

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    planted = tmp_path / "checkpoints" / "checkpoint-000000005"
    planted.mkdir(parents=True)
    with open(planted / "state.pt", "wb") as handle:
        pickle.dump({"fingerprint": "whatever", "payload": Payload()}, handle)
    caplog.set_level("INFO")
    train_stage(stage_args(tiny_model, small_data, tmp_path, epochs=1, record_train_predictions=False))
    assert not marker.exists()
    assert "unreadable" in caplog.text
    assert "resumed from" not in caplog.text
    assert pd.read_csv(tmp_path / "run" / "epoch_log.csv")["epoch"].tolist() == [1]


def test_train_forward_record_resumes_exactly_from_a_mid_epoch_checkpoint(
    tiny_model, small_data, tmp_path, monkeypatch
):
    """The mid-epoch checkpoint carries the epoch's forward probabilities so far (a tensor, loadable weights-only)."""
    args = dict(mistake_record="train_forward", epochs=1)
    train_stage(stage_args(tiny_model, small_data, tmp_path / "whole", **args))
    train_until_sigterm(monkeypatch, stage_args(tiny_model, small_data, tmp_path / "killed", **args), at_call=40)
    train_stage(stage_args(tiny_model, small_data, tmp_path / "killed", **args))
    assert_same_results(tmp_path / "whole/run", tmp_path / "killed/run")


def test_a_second_process_on_one_run_waits_for_the_first_to_exit(uninterrupted, tiny_model, small_data, tmp_path):
    """A requeued job that starts while the process it replaces is still checkpointing must not share its folder."""
    import fcntl
    import subprocess
    import sys
    import time
    from dataclasses import asdict

    from workflow_helpers import REPO

    args = stage_args(tiny_model, small_data, tmp_path)
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    holder = open(checkpoints / ".lock", "a")  # the process being replaced, still alive
    fcntl.flock(holder, fcntl.LOCK_EX)
    flags = [f"--{k}={v}" for k, v in asdict(args).items() if v is not None and not isinstance(v, list)]
    job = subprocess.Popen(
        [sys.executable, str(REPO / "scripts/train_stage.py"), *flags],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    waiting = ""
    while "waiting for it to exit" not in waiting and time.monotonic() < deadline:
        waiting += job.stderr.readline()
    assert "another process is training into" in waiting
    time.sleep(1)
    assert job.poll() is None  # still waiting: it trained nothing
    assert not list(checkpoints.glob("checkpoint-*"))
    holder.close()  # the old process exits
    _, rest = job.communicate(timeout=300)
    assert job.returncode == 0, rest[-3000:]
    assert_same_results(uninterrupted[0], tmp_path / "run")


def test_gpu_padding_never_passes_the_models_position_limit():
    from nlirobust.training.stage import padding_multiple

    assert padding_multiple(128, 16, 512) == 16
    assert padding_multiple(128, 16, 128) == 16  # 128 is a multiple: the longest batch stays within the limit
    assert padding_multiple(130, 16, 130) is None  # 144 positions would not exist: dynamic padding instead
    assert padding_multiple(130, 16, None) == 16
    assert padding_multiple(64, 1, 512) is None


def step_losses(monkeypatch) -> list[float]:
    """Every training step's batch loss from now on, in order."""
    losses = []
    original = NLITrainer.compute_loss

    def recording(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if self.model.training:
            losses.append(float((result[0] if isinstance(result, tuple) else result).detach()))
        return result

    monkeypatch.setattr(NLITrainer, "compute_loss", recording)
    return losses


def test_logged_training_loss_is_the_mean_over_each_logging_interval(tiny_model, small_data, tmp_path, monkeypatch):
    losses = step_losses(monkeypatch)
    train_stage(stage_args(tiny_model, small_data, tmp_path, logging_steps=10))
    steps = pd.read_csv(tmp_path / "run" / "train_log.csv")
    previous = 0
    for row in steps.itertuples():
        assert row.loss_steps == row.step - previous
        assert row.loss == pytest.approx(sum(losses[previous : row.step]) / (row.step - previous), rel=1e-6)
        previous = row.step
    assert previous == len(losses)  # the epoch's last step closes an interval


def test_a_resumed_run_reports_the_time_and_loss_of_all_its_epochs(tiny_model, small_data, tmp_path, monkeypatch):
    """Stopped by SIGTERM after 120 of 188 steps and resumed: the training seconds are those of both jobs (pairs/s
    about that of an uninterrupted run, not ~3x), resumes is 1, and the interval means are the uninterrupted ones."""
    from nlirobust.run_facts import runs_long

    def args(name):
        run = tmp_path / name / "snli/seed7/lr0.001"  # a run path, as the run-facts table reads it
        return stage_args(tiny_model, small_data, tmp_path / name, logging_steps=7, output_dir=str(run))

    whole = train_stage(args("whole"))
    train_until_sigterm(monkeypatch, args("stopped"), at_call=120)
    resumed = train_stage(args("stopped"))

    assert whole["resumes"] == 0 and resumed["resumes"] == 1
    runs = runs_long([Path(args(name).output_dir) / "run.json" for name in ("whole", "stopped")])
    speed = runs["train_examples_per_second"].tolist()
    assert 0.6 < speed[1] / speed[0] < 1.7, speed
    pd.testing.assert_frame_equal(
        pd.read_csv(Path(args("whole").output_dir) / "train_log.csv").drop(columns="grad_norm"),
        pd.read_csv(Path(args("stopped").output_dir) / "train_log.csv").drop(columns="grad_norm"),
    )


def test_several_visible_gpus_train_one_device_at_the_configured_batch_size(
    tiny_model, small_data, tmp_path, monkeypatch, caplog
):
    """Trainer.train hands the loop per-device batch x n_gpu; with two GPUs visible the run must still take
    batches of 16 (the step count says so), record what it saw, and say it in one warning line."""
    import json
    import logging

    from transformers import TrainingArguments

    monkeypatch.setattr(TrainingArguments, "n_gpu", property(lambda self: 2))
    with caplog.at_level(logging.WARNING, logger="nlirobust.training.stage"):
        facts = train_stage(stage_args(tiny_model, small_data, tmp_path))
    train_pairs = len(pd.read_parquet(small_data["snli_train"]))
    assert facts["global_steps"] == EPOCHS * -(-train_pairs // 16)
    written = json.loads((tmp_path / "run" / "run.json").read_text())
    assert written["visible_gpus"] == 2 and written["device"] == "cpu"
    warnings = [r.getMessage() for r in caplog.records if "GPUs visible" in r.getMessage()]
    assert len(warnings) == 1 and "batch size 16" in warnings[0]


def test_a_full_disk_while_checkpointing_says_so_in_one_line_and_the_rerun_resumes(
    uninterrupted, tiny_model, small_data, tmp_path, monkeypatch
):
    """torch's zip writer reports a full disk as `[enforce fail at inline_container.cc:672] ... unexpected pos`:
    the job must name the file in one line, leave no half-written checkpoint, and resume once space is freed."""
    import nlirobust.training.checkpoints as checkpoints
    from nlirobust.data.io import NoSpaceLeft

    save = checkpoints.torch.save
    calls = {"n": 0}

    def disk_fills_up(obj, path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the second epoch's checkpoint
            raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 3712 vs 3648")
        return save(obj, path, *args, **kwargs)

    monkeypatch.setattr(checkpoints.torch, "save", disk_fills_up)
    with pytest.raises(NoSpaceLeft, match=r"^no space left on device while writing .*checkpoint-0+188\.tmp/state\.pt$"):
        train_stage(stage_args(tiny_model, small_data, tmp_path))
    assert not list((tmp_path / "checkpoints").glob(".*.tmp"))  # nothing half written is left
    assert [p.name for p in (tmp_path / "checkpoints").glob("checkpoint-*")] == ["checkpoint-000000094"]
    monkeypatch.setattr(checkpoints.torch, "save", save)
    train_stage(stage_args(tiny_model, small_data, tmp_path))
    assert_same_results(uninterrupted[0], tmp_path / "run")


def test_a_full_disk_is_one_line_on_the_command_line(capsys):
    from _cli import run_main

    from nlirobust.data.io import atomic_path

    def main():
        with atomic_path("/tmp/nlirobust-full-disk-test/x.parquet"):
            raise OSError(28, "No space left on device")

    with pytest.raises(SystemExit) as stopped:
        run_main(main)
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: no space left on device while writing /tmp/nlirobust-full-disk-test/x.parquet"
    )


def test_a_run_resumed_with_another_thread_count_continues_with_the_first_one(
    uninterrupted, tiny_model, small_data, tmp_path, monkeypatch, caplog
):
    """CPU kernels split sums by thread, so 1 and 2 threads differ in the last bits: a job requeued with another
    `training.threads` takes the count the run started with and ends bit-identical to the uninterrupted run."""
    import logging

    train_until_crash_in_second_epoch(monkeypatch, stage_args(tiny_model, small_data, tmp_path))
    with caplog.at_level(logging.WARNING, logger="nlirobust.training.trainer"):
        facts = train_stage(stage_args(tiny_model, small_data, tmp_path, threads=2))
    assert any("resuming with 1 CPU threads" in r.getMessage() for r in caplog.records)
    assert facts["threads"] == 1
    assert_same_results(uninterrupted[0], tmp_path / "run")
