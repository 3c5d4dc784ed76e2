# One training job per (encoder, stage chain, seed, learning rate). A two-stage recipe is this same rule twice: the
# second job starts from the first job's model with the learning rate reset to its initial value.


rule train_stage:
    input:
        model=stage_input_model,
        train=stage_train_data,
        validation=stage_validation_data,
        leakage=lambda wc: leakage_input(f"{stages(wc.recipe)[-1]}/train", f"{run_dir(**wc)}/run.json"),
        # ordering only (under leakage: fail this job stops the workflow first); a rewritten table retrains nothing
        overlap=ancient("results/data/overlap.csv"),
    output:
        model=directory(f"{run_dir()}/model"),
        train_predictions=f"{run_dir()}/train_predictions.parquet",
        train_log=f"{run_dir()}/train_log.csv",
        epoch_log=f"{run_dir()}/epoch_log.csv",
        run=f"{run_dir()}/run.json",
    log:
        "logs/train/{encoder}/{recipe}/seed{seed}/lr{lr}.log",
    benchmark:
        "logs/benchmarks/train_stage/train/{encoder}/{recipe}/seed{seed}/lr{lr}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    threads: config["training"].get("threads", 1)
    resources:
        gpu=1,
        mem_mb=encoder_attempts("train_stage", "mem_mb", 16000),
        runtime=encoder_attempts("train_stage", "runtime", 720),
    params:
        script=script_path("train_stage.py"),
        out_dir=lambda wildcards, output: os.path.dirname(output.run),
        checkpoints=checkpoint_dir(run_id("{encoder}", "{recipe}", "{seed}", "{lr}")),
        flags=lambda wc: training_flags(wc.encoder),
        speed=lambda wc: training_speed_flags(wc.encoder),
    shell:
        train_command() + " > {log:q} 2>&1"
