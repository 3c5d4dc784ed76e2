# Predictions of every trained model on every configured evaluation set (one prediction schema for all),
# a hypothesis-only baseline, and the tables of the initial fine-tuning.


rule evaluate_model:
    input:
        model=f"{model_dir('{model}')}/model",
        sets=scored_sets(),
    output:
        predictions=[predictions_file("{model}", e) for e in EVAL_SETS],
        metrics=[predictions_file("{model}", e, "json") for e in EVAL_SETS],
    log:
        "logs/evaluate/{model}.log",
    benchmark:
        "logs/benchmarks/evaluate_model/evaluate/{model}.tsv"
    wildcard_constraints:
        # final models are evaluated inside their final_tune job (one GPU job instead of two each)
        model=NON_FINAL_MODEL_PATTERN,
    conda:
        "../envs/nlirobust.yaml"
    threads: config["training"].get("threads", 1)
    resources:
        gpu=1,
        mem_mb=encoder_attempts("evaluate_model", "mem_mb", 8000),
        runtime=encoder_attempts("evaluate_model", "runtime", 120),
    params:
        script=script_path("evaluate_model.py"),
        sets=lambda wc: evaluation_set_flags(wc.model),
        options=lambda wc: evaluation_flags(encoder_of(wc)),
        speed=lambda wc: evaluation_speed_flags(encoder_of(wc)),
    shell:
        "python {params.script:q} --model {input.model:q} {params.options} {params.speed} {params.sets} "
        "--threads {threads} > {log:q} 2>&1"


rule hypothesis_only_baseline:
    input:
        train=prepared("snli", "train"),
        evaluation=prepared("snli", "validation"),
    output:
        "results/baselines/hypothesis_only/snli_validation.json",
    log:
        "logs/baselines/hypothesis_only_snli.log",
    benchmark:
        "logs/benchmarks/hypothesis_only_baseline/baselines/hypothesis_only_snli.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("hypothesis_only_baseline.py"),
        leakage=LEAKAGE,
    shell:
        "python {params.script:q} --train {input.train:q} --eval {input.evaluation:q} "
        "--leakage {params.leakage} --out {output:q} > {log:q} 2>&1"


rule initial_tables:
    input:
        metrics=lambda wc: all_prediction_metrics(wc.encoder),
        epoch_logs=lambda wc: all_training_runs("epoch_log.csv", wc.encoder),
        runs=lambda wc: all_training_runs("run.json", wc.encoder),
    output:
        accuracy_csv=f"{tables_dir('{encoder}')}/initial_accuracy.csv",
        accuracy_md=f"{tables_dir('{encoder}')}/initial_accuracy.md",
        epochs_csv=f"{tables_dir('{encoder}')}/initial_epochs.csv",
        epochs_md=f"{tables_dir('{encoder}')}/initial_epochs.md",
    log:
        "logs/tables/{encoder}/initial.log",
    benchmark:
        "logs/benchmarks/initial_tables/tables/{encoder}/initial.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("initial_tables.py"),
        recipes=" ".join(RECIPES),
    shell:
        "python {params.script:q} --metrics {input.metrics:q} --epoch-logs {input.epoch_logs:q} "
        "--runs {input.runs:q} --recipes {params.recipes} --accuracy-csv {output.accuracy_csv:q} "
        "--accuracy-md {output.accuracy_md:q} --epochs-csv {output.epochs_csv:q} --epochs-md {output.epochs_md:q} "
        "> {log:q} 2>&1"
