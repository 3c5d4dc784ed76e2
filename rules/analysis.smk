# Error analysis and the LLM comparison (reference: steps 3-7): run facts and learning curves of every training job,
# an editable spreadsheet of each model's errors with rule-based first annotations, error types and fixes ranked,
# zero-shot predictions of an instruction LLM beside the model's, and a 2-D map of the hidden states.


include: "helpers/analysis.smk"


rule build_embedded_llm:
    input:
        prepared("snli", "train"),
    output:
        directory("resources/models/embedded_llm"),
    log:
        "logs/data/build_embedded_llm.log",
    benchmark:
        "logs/benchmarks/build_embedded_llm/data/build_embedded_llm.tsv"
    conda:
        "../envs/nlirobust.yaml"
    resources:
        mem_mb=attempts(4000),
        runtime=attempts(30),
    params:
        script=script_path("build_embedded_llm.py"),
        seed=config.get("embedded", {}).get("seed", 0),
    shell:
        "python {params.script:q} --train {input:q} --seed {params.seed} --out-dir {output:q} > {log:q} 2>&1"


rule llm_predictions:
    input:
        model=llm_model() if LLM else [],
        pairs=prepared("{dataset}", "{split}"),
    output:
        predictions=llm_file("{dataset}/{split}"),
        facts=llm_file("{dataset}/{split}", "json"),
    log:
        "logs/analysis/llm/{dataset}/{split}.log",
    benchmark:
        "logs/benchmarks/llm_predictions/analysis/llm/{dataset}/{split}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    threads: config["training"].get("threads", 1)
    resources:
        gpu=1,
        mem_mb=attempts((LLM or {}).get("mem_mb", 24000)),
        runtime=attempts(120),
    params:
        script=script_path("llm_predictions.py"),
        options=(
            f"--backend {LLM['backend']} --batch-size {LLM['batch_size']}"
            + (f" --max-examples {LLM['max_examples']}" if LLM["max_examples"] else "")
            + (f" --max-prompt-tokens {LLM['max_prompt_tokens']}" if LLM.get("max_prompt_tokens") else "")
            if LLM
            else ""
        ),
    shell:
        "python {params.script:q} --model {input.model:q} --pairs {input.pairs:q} {params.options} "
        "--threads {threads} --out {output.predictions:q} > {log:q} 2>&1"


rule error_spreadsheet:
    input:
        predictions=predictions_file("{model}", "{dataset}/{split}"),
        pairs=prepared("{dataset}", "{split}"),
        llm=lambda wc: llm_predictions_of(wc.dataset, wc.split),
    output:
        # update(): a person's edits in the file are merged, never deleted before the job runs
        update("results/analysis/{model}/{dataset}/{split}/errors.csv"),
    log:
        "logs/analysis/errors/{model}/{dataset}/{split}.log",
    benchmark:
        "logs/benchmarks/error_spreadsheet/analysis/errors/{model}/{dataset}/{split}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("error_spreadsheet.py"),
        lexicon=shlex.quote(json.dumps(config["lexicon"])),
        rows=(ANALYSIS or {}).get("spreadsheet_rows", 50),
        stratify="" if (ANALYSIS or {}).get("stratify", True) else "--no-stratify",
        llm=lambda wildcards, input: (f"--llm {shlex.quote(input.llm[0])}" if input.llm else ""),
    shell:
        "python {params.script:q} --predictions {input.predictions:q} --pairs {input.pairs:q} {params.llm} "
        "--lexicon {params.lexicon} --rows {params.rows} {params.stratify} --out {output:q} > {log:q} 2>&1"


rule hidden_state_map:
    input:
        model=f"{model_dir('{model}')}/model",
        predictions=predictions_file("{model}", "{dataset}/{split}"),
        pairs=prepared("{dataset}", "{split}"),
    output:
        points="results/analysis/{model}/{dataset}/{split}/projection.parquet",
        pca="results/figures/projections/{model}/{dataset}/{split}_pca.png",
        tsne="results/figures/projections/{model}/{dataset}/{split}_tsne.png",
    log:
        "logs/analysis/projection/{model}/{dataset}/{split}.log",
    benchmark:
        "logs/benchmarks/hidden_state_map/analysis/projection/{model}/{dataset}/{split}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    threads: config["training"].get("threads", 1)
    resources:
        gpu=1,
        mem_mb=encoder_attempts("hidden_state_map", "mem_mb", 8000),
        runtime=encoder_attempts("hidden_state_map", "runtime", 60),
    params:
        script=script_path("hidden_state_map.py"),
        max_errors=(ANALYSIS or {}).get("projection_errors", 1500),
        max_correct=(ANALYSIS or {}).get("projection_correct", 500),
        max_length=lambda wc: ENCODERS[encoder_of(wc)]["max_length"],
        batch_size=lambda wc: Untracked(str(ENCODERS[encoder_of(wc)]["training"].get("eval_batch_size", 128))),
    shell:
        "python {params.script:q} --model {input.model:q} --predictions {input.predictions:q} --pairs {input.pairs:q} "
        "--max-errors {params.max_errors} --max-correct {params.max_correct} --batch-size {params.batch_size} "
        "--max-length {params.max_length} --threads {threads} --title '{wildcards.model} on {wildcards.dataset}/{wildcards.split}' "
        "--out {output.points:q} --out-pca {output.pca:q} --out-tsne {output.tsne:q} > {log:q} 2>&1"


rule analysis_tables:
    input:
        sheets=lambda wc: analysis_outputs("results/analysis/{model}/{evalset}/errors.csv", wc.encoder),
        predictions=lambda wc: analysis_outputs(predictions_file("{model}", "{evalset}"), wc.encoder),
        llm=[p for evalset in ANALYSIS_SETS for p in llm_predictions_of(*evalset.split("/"))],
    output:
        **{name: f"{tables_dir('{encoder}')}/analysis/{name}.csv" for name in ANALYSIS_TABLES},
        **{f"{name}_md": f"{tables_dir('{encoder}')}/analysis/{name}.md" for name in ANALYSIS_TABLES},
    log:
        "logs/tables/{encoder}/analysis.log",
    benchmark:
        "logs/benchmarks/analysis_tables/tables/{encoder}/analysis.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("analysis_tables.py"),
        out_dir=lambda wildcards, output: os.path.dirname(output.error_types),
    shell:
        "python {params.script:q} --sheets {input.sheets:q} --predictions {input.predictions:q} --llm {input.llm:q} "
        "--out-dir {params.out_dir:q} > {log:q} 2>&1"


rule run_facts:
    input:
        runs=lambda wc: [f"{model_dir(m)}/run.json" for m in models_of(["initial", "final", "adversarial"], wc.encoder)],
        # inference timing of the analysed models (every final model's would add thousands of files to the DAG)
        metrics=lambda wc: [
            predictions_file(m, evalset, "json")
            for m in models_of(ANALYSIS_KINDS, wc.encoder)
            for evalset in EVAL_SETS
        ],
        train_logs=lambda wc: all_training_runs("train_log.csv", wc.encoder),
        epoch_logs=lambda wc: all_training_runs("epoch_log.csv", wc.encoder),
        retrained_train_logs=lambda wc: [
            f"{model_dir(m)}/train_log.csv" for m in models_of(["adversarial"], wc.encoder)
        ],
        retrained_epoch_logs=lambda wc: [
            f"{model_dir(m)}/epoch_log.csv" for m in models_of(["adversarial"], wc.encoder)
        ],
    output:
        **{name: f"{tables_dir('{encoder}')}/analysis/{name}.csv" for name in RUN_FACT_TABLES},
        **{f"{name}_md": f"{tables_dir('{encoder}')}/analysis/{name}.md" for name in RUN_FACT_TABLES},
        curves=learning_curve_files(),
    log:
        "logs/tables/{encoder}/run_facts.log",
    benchmark:
        "logs/benchmarks/run_facts/tables/{encoder}/run_facts.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("run_facts.py"),
        recipes=" ".join(RECIPES),
        attacks=" ".join(retrain_attacks(config) if ADVERSARIAL else []),
        out_dir=lambda wildcards, output: os.path.dirname(output.runs),
    shell:
        "python {params.script:q} --runs {input.runs:q} --metrics {input.metrics:q} --train-logs {input.train_logs:q} "
        "--epoch-logs {input.epoch_logs:q} --retrained-train-logs {input.retrained_train_logs:q} "
        "--retrained-epoch-logs {input.retrained_epoch_logs:q} --recipes {params.recipes} --attacks {params.attacks} "
        "--out-dir {params.out_dir:q} --curves {output.curves:q} > {log:q} 2>&1"
