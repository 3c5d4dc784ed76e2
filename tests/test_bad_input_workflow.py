"""Bad input through the workflow: the prepare job fails with one line naming file and line, and leaves nothing."""

import json

from workflow_helpers import run_snakemake, write_config


def test_malformed_line_stops_prepare_with_one_line_and_no_outputs(tmp_path):
    raw = tmp_path / "my_snli"
    raw.mkdir()
    good = "".join(
        json.dumps({"premise": "A man sleeps .", "hypothesis": "A man rests .", "label": 0}) + "\n" for _ in range(3)
    )
    (raw / "train.jsonl").write_text(good)
    (raw / "validation.jsonl").write_text(good)
    (raw / "test.jsonl").write_text(good + '{"premise": "A cat", "hypothesis": \n')
    config = write_config(tmp_path / "bad.yaml", base="config/demo.yaml", data={"snli": {"path": str(raw)}})

    result = run_snakemake(
        "results/data/snli/counts.json", "--cores", "1", "--configfile", str(config), workdir=tmp_path, check=False
    )

    assert result.returncode != 0
    log_lines = (tmp_path / "logs/data/prepare_snli.log").read_text().strip().splitlines()
    assert log_lines[-1] == f"error: {raw / 'test.jsonl'}:4: malformed JSON (Expecting value, column 36)"
    assert not list((tmp_path / "results").rglob("*.parquet"))
    assert not (tmp_path / "results/data/snli/counts.json").exists()
