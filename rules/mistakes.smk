# The mistaken-examples study (reference: Tables 1-7): per-epoch mistake sets of every run, a selection to tune
# on, one more short fine-tuning over final learning rates, and the tables and plots before and after.


include: "helpers/mistakes.smk"


rule epoch_mistakes:
    input:
        predictions=f"{run_dir()}/train_predictions.parquet",
    output:
        sets=f"{mistakes_dir()}/epoch_sets.parquet",
        combinations=f"{mistakes_dir()}/combinations.csv",
    log:
        "logs/mistakes/epoch_sets/{encoder}/{recipe}/seed{seed}/lr{lr}.log",
    benchmark:
        "logs/benchmarks/epoch_mistakes/mistakes/epoch_sets/{encoder}/{recipe}/seed{seed}/lr{lr}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    resources:
        mem_mb=attempts(8000),
        runtime=attempts(30),
    params:
        script=script_path("epoch_mistakes.py"),
    shell:
        "python {params.script:q} --train-predictions {input.predictions:q} --sets {output.sets:q} "
        "--combinations {output.combinations:q} > {log:q} 2>&1"


rule select_mistakes:
    input:
        predictions=f"{run_dir()}/train_predictions.parquet",
        train=stage_train_data,
    output:
        f"{mistakes_dir()}/selection/{{selection}}.parquet",
    log:
        "logs/mistakes/select/{encoder}/{recipe}/seed{seed}/lr{lr}/{selection}.log",
    benchmark:
        "logs/benchmarks/select_mistakes/mistakes/select/{encoder}/{recipe}/seed{seed}/lr{lr}/{selection}.tsv"
    wildcard_constraints:
        selection="|".join(MISTAKE_SELECTIONS + DYNAMICS_SELECTIONS),
    conda:
        "../envs/nlirobust.yaml"
    resources:
        mem_mb=attempts(8000),
        runtime=attempts(30),
    params:
        script=script_path("select_examples.py"),
        balanced="--balanced" if config["mistakes"]["balanced"] else "",
        dynamics=json.dumps(config.get("training_dynamics", {})),
    shell:
        "python {params.script:q} --rule {wildcards.selection} --train-predictions {input.predictions:q} "
        "--pairs {input.train:q} --seed {wildcards.seed} --dynamics {params.dynamics:q} {params.balanced} "
        "--out {output:q} > {log:q} 2>&1"


rule select_ambiguous:
    input:
        pairs=ambiguity_source,
        # only to fail early (the tuning job applies `leakage` again with this list and tracks its digest)
        leakage=lambda wc: ancient(leakage_file(selection_source(wc))),
    output:
        f"{mistakes_dir()}/selection/{{selection}}.parquet",
    log:
        "logs/mistakes/select/{encoder}/{recipe}/seed{seed}/lr{lr}/{selection}.log",
    benchmark:
        "logs/benchmarks/select_ambiguous/mistakes/select/{encoder}/{recipe}/seed{seed}/lr{lr}/{selection}.tsv"
    wildcard_constraints:
        selection="|".join(AMBIGUITY_SELECTIONS),
    conda:
        "../envs/nlirobust.yaml"
    resources:
        mem_mb=attempts(8000),
        runtime=attempts(30),
    params:
        script=script_path("select_examples.py"),
        balanced="--balanced" if config["mistakes"]["balanced"] else "",
        max_agreeing=LOW_AGREEMENT.get("max_agreeing", 3),
        leakage=LEAKAGE,
    shell:
        "python {params.script:q} --rule {wildcards.selection} --pairs {input.pairs:q} --seed {wildcards.seed} "
        "--max-agreeing {params.max_agreeing} {params.balanced} --leakage-list {input.leakage:q} "
        "--leakage {params.leakage} --out {output:q} > {log:q} 2>&1"


# The final model is evaluated in the same job: 40 models a seed and learning rate on the paper grid, each a minute
# of training, would otherwise each wait in the queue twice and load twice.
rule final_tune:
    input:
        model=f"{run_dir()}/model",
        train=f"{mistakes_dir()}/selection/{{selection}}.parquet",
        validation=stage_validation_data,
        initial_log=f"{run_dir()}/train_log.csv",
        leakage=lambda wc: leakage_input(selection_source(wc), f"{model_dir(FINAL_MODEL.format(**wc))}/run.json"),
    output:
        model=directory(f"{model_dir(FINAL_MODEL)}/model"),
        train_log=f"{model_dir(FINAL_MODEL)}/train_log.csv",
        epoch_log=f"{model_dir(FINAL_MODEL)}/epoch_log.csv",
        run=f"{model_dir(FINAL_MODEL)}/run.json",
        predictions=[predictions_file(FINAL_MODEL, e) for e in EVAL_SETS],
        metrics=[predictions_file(FINAL_MODEL, e, "json") for e in EVAL_SETS],
    log:
        f"logs/{FINAL_MODEL}.log",
    benchmark:
        f"logs/benchmarks/final_tune/{FINAL_MODEL}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    threads: config["training"].get("threads", 1)
    resources:
        gpu=1,
        mem_mb=encoder_attempts("final_tune", "mem_mb", 16000),
        runtime=encoder_attempts("final_tune", "runtime", 120),
    params:
        script=script_path("train_stage.py"),
        out_dir=lambda wildcards, output: os.path.dirname(output.run),
        checkpoints=checkpoint_dir(FINAL_MODEL),
        # a finished tune survives its group's failure (Snakemake removes every member's outputs then)
        run_cache=RUN_CACHE,
        learning_rate=final_learning_rate_flags,
        flags=lambda wc: training_flags(wc.encoder, epochs=config["mistakes"]["final_epochs"], warmup_ratio=0.0),
        speed=lambda wc: training_speed_flags(wc.encoder),
        evaluate=script_path("evaluate_model.py"),
        sets=lambda wc: evaluation_set_flags(FINAL_MODEL.format(**wc)),
        eval_options=lambda wc: evaluation_flags(wc.encoder),
        eval_speed=lambda wc: evaluation_speed_flags(wc.encoder),
    shell:
        "("
        + train_command(
            "{params.learning_rate}",
            "--record_train_predictions False --run_cache {params.run_cache:q}",
        )
        + " && python {params.evaluate:q} --model {output.model:q} {params.sets} {params.eval_options} "
        "{params.eval_speed} --threads {threads}) > {log:q} 2>&1"


rule mistake_tables:
    input:
        combinations=all_initial_runs("results/mistakes/{run}/combinations.csv"),
        metrics_before=all_initial_runs("results/predictions/{run}/{evalset}.json", in_distribution=True),
        metrics_after=all_final_runs("results/predictions/{run}/{evalset}.json", in_distribution=True),
        final_runs=all_final_runs("results/models/{run}/run.json"),
        initial_runs=all_initial_runs("results/models/{run}/run.json"),
    output:
        **{name: f"{mistake_tables_dir()}/{name}.csv" for name in MISTAKE_TABLES},
        **{f"{name}_md": f"{mistake_tables_dir()}/{name}.md" for name in MISTAKE_TABLES},
    log:
        "logs/tables/{encoder}/mistakes.log",
    benchmark:
        "logs/benchmarks/mistake_tables/tables/{encoder}/mistakes.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("mistake_tables.py"),
        recipes=" ".join(RECIPES),
        out_dir=lambda wildcards, output: os.path.dirname(output.table4_learning_rates),
    shell:
        "python {params.script:q} --recipes {params.recipes} --combinations {input.combinations:q} "
        "--metrics-before {input.metrics_before:q} --metrics-after {input.metrics_after:q} "
        "--final-runs {input.final_runs:q} --initial-runs {input.initial_runs:q} --out-dir {params.out_dir:q} "
        "> {log:q} 2>&1"


# Tables 1, 2 and 5-9 of each challenge set (evaluation.challenge_sets; Breaking NLI always).
rule challenge_tables:
    input:
        before=lambda wc: all_initial_runs(f"results/predictions/{{run}}/{CHALLENGE_SETS[wc.challenge]}.parquet")(wc),
        after=lambda wc: all_final_runs(f"results/predictions/{{run}}/{CHALLENGE_SETS[wc.challenge]}.parquet")(wc),
        initial_runs=all_initial_runs("results/models/{run}/run.json"),
        pairs=lambda wc: prepared(*CHALLENGE_SETS[wc.challenge].split("/")),
    output:
        **{name: f"{mistake_tables_dir()}/{{challenge}}/{name}.csv" for name in CHALLENGE_TABLES},
        **{f"{name}_md": f"{mistake_tables_dir()}/{{challenge}}/{name}.md" for name in CHALLENGE_TABLES},
    log:
        "logs/tables/{encoder}/challenge_{challenge}.log",
    benchmark:
        "logs/benchmarks/challenge_tables/tables/{encoder}/challenge_{challenge}.tsv"
    wildcard_constraints:
        challenge="|".join(CHALLENGE_SETS),
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("challenge_tables.py"),
        recipes=" ".join(RECIPES),
        evalset=lambda wc: CHALLENGE_SETS[wc.challenge],
        out_dir=lambda wildcards, output: os.path.dirname(output.table1_categories),
        fields=lambda wc: " ".join(shlex.quote(field) for field in category_fields(config, wc.challenge)),
        two_way=lambda wc: "--two-way" if wc.challenge in two_way_sets(config) else "",
    shell:
        "python {params.script:q} --recipes {params.recipes} --set {params.evalset:q} --before {input.before:q} "
        "--after {input.after:q} --initial-runs {input.initial_runs:q} --pairs {input.pairs:q} "
        "--category-fields {params.fields} {params.two_way} --out-dir {params.out_dir:q} > {log:q} 2>&1"


rule mistake_plots:
    input:
        categories=f"{mistake_tables_dir()}/breaking_nli/table5_categories.csv",
        accuracy=f"{mistake_tables_dir()}/breaking_nli/table7_accuracy.csv",
        combinations=f"{mistake_tables_dir()}/table3_combinations.csv",
    output:
        categories=report(
            f"{figures_dir('{encoder}')}/mistakes_by_category.png",
            caption="captions/mistakes_by_category.rst",
            category="Mistaken examples",
        ),
        accuracy=report(
            f"{figures_dir('{encoder}')}/breaking_accuracy_before_after.png",
            caption="captions/breaking_accuracy_before_after.rst",
            category="Mistaken examples",
        ),
        overlap=report(
            f"{figures_dir('{encoder}')}/epoch_mistake_overlap.png",
            caption="captions/epoch_mistake_overlap.rst",
            category="Mistaken examples",
        ),
    log:
        "logs/figures/{encoder}/mistakes.log",
    benchmark:
        "logs/benchmarks/mistake_plots/figures/{encoder}/mistakes.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("mistake_plots.py"),
        recipes=" ".join(RECIPES),
    shell:
        "python {params.script:q} --recipes {params.recipes} --categories {input.categories:q} "
        "--accuracy {input.accuracy:q} --combinations {input.combinations:q} --out-categories {output.categories:q} "
        "--out-accuracy {output.accuracy:q} --out-overlap {output.overlap:q} > {log:q} 2>&1"
