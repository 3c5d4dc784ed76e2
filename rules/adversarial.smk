# The gradient-based adversarial study (reference: Khan): attack the `snli` baseline on a balanced sample of SNLI
# validation, retrain on SNLI train plus the attacked pairs, compare both models overall and on subsets.


include: "helpers/adversarial.smk"


rule sample_adversarial_pairs:
    input:
        prepared("snli", "validation"),
    output:
        "results/adversarial/sample/seed{seed}.parquet",
    log:
        "logs/adversarial/sample/seed{seed}.log",
    benchmark:
        "logs/benchmarks/sample_adversarial_pairs/adversarial/sample/seed{seed}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("sample_adversarial_pairs.py"),
        per_class=ADVERSARIAL["per_class"] if ADVERSARIAL else 0,
        heldout=ADVERSARIAL["heldout_fraction"] if ADVERSARIAL else 0,
    shell:
        "python {params.script:q} --pairs {input:q} --per-class {params.per_class} "
        "--heldout-fraction {params.heldout} --seed {wildcards.seed} --out {output:q} > {log:q} 2>&1"


rule attack_baseline:
    input:
        model=f"{run_dir(recipe='snli')}/model",
        sample="results/adversarial/sample/seed{seed}.parquet",
    output:
        attack=f"{ATTACK_DIR}/attack.jsonl",
        train=f"{ATTACK_DIR}/train.parquet",
        heldout=f"{ATTACK_DIR}/heldout.parquet",
        summary=f"{ATTACK_DIR}/summary.json",
    log:
        "logs/adversarial/attack/{encoder}/{attack}/seed{seed}/lr{lr}.log",
    benchmark:
        "logs/benchmarks/attack_baseline/adversarial/attack/{encoder}/{attack}/seed{seed}/lr{lr}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    threads: config["training"].get("threads", 1)
    resources:
        gpu=1,
        mem_mb=encoder_attempts("attack_baseline", "mem_mb", 8000),
        runtime=encoder_attempts("attack_baseline", "runtime", 120),
    params:
        script=script_path("attack_baseline.py"),
        out_dir=lambda wildcards, output: os.path.dirname(output.summary),
        options=lambda wc: (
            f"--top-k {ADVERSARIAL['top_k']} --max-length {ENCODERS[wc.encoder]['max_length']}"
            + (" --word-level" if ADVERSARIAL["word_level"] else "")
        ),
    shell:
        "python {params.script:q} --model {input.model:q} --sample {input.sample:q} --method {wildcards.attack} "
        "--seed {wildcards.seed} --threads {threads} {params.options} --out-dir {params.out_dir:q} > {log:q} 2>&1"


rule adversarial_training_data:
    input:
        train=prepared("snli", "train"),
        attack_train=f"{ATTACK_DIR}/train.parquet",
        validation=prepared("snli", "validation"),
    output:
        train=temp(f"{ATTACK_DIR}/retrain_data.parquet"),
        validation=temp(f"{ATTACK_DIR}/retrain_validation.parquet"),
    log:
        "logs/adversarial/retrain_data/{encoder}/{attack}/seed{seed}/lr{lr}.log",
    benchmark:
        "logs/benchmarks/adversarial_training_data/adversarial/retrain_data/{encoder}/{attack}/seed{seed}/lr{lr}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    resources:
        mem_mb=attempts(8000),
        runtime=attempts(30),
    params:
        script=script_path("adversarial_training_data.py"),
        # the baseline's cap on SNLI train, applied before the attacked pairs join (retrain_adversarial has none)
        max_train=lambda wc: (
            f"--max-train-examples {ENCODERS[wc.encoder]['training']['max_train_examples']}"
            if ENCODERS[wc.encoder]["training"].get("max_train_examples")
            else ""
        ),
    shell:
        "python {params.script:q} --train {input.train:q} --attack-train {input.attack_train:q} "
        "--validation {input.validation:q} {params.max_train} --out {output.train:q} "
        "--validation-out {output.validation:q} > {log:q} 2>&1"


rule retrain_adversarial:
    input:
        model=adversarial_retrain_start,
        train=f"{ATTACK_DIR}/retrain_data.parquet",
        # SNLI validation without the originals of the masked pairs it trains on
        validation=f"{ATTACK_DIR}/retrain_validation.parquet",
        leakage=lambda wc: leakage_input("snli/train", f"{model_dir(RETRAINED_MODEL.format(**wc))}/run.json"),
    output:
        model=directory(f"{model_dir(RETRAINED_MODEL)}/model"),
        train_log=f"{model_dir(RETRAINED_MODEL)}/train_log.csv",
        epoch_log=f"{model_dir(RETRAINED_MODEL)}/epoch_log.csv",
        run=f"{model_dir(RETRAINED_MODEL)}/run.json",
    log:
        "logs/adversarial/retrain/{encoder}/{attack}/seed{seed}/lr{lr}.log",
    benchmark:
        "logs/benchmarks/retrain_adversarial/adversarial/retrain/{encoder}/{attack}/seed{seed}/lr{lr}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    threads: config["training"].get("threads", 1)
    resources:
        gpu=1,
        mem_mb=encoder_attempts("retrain_adversarial", "mem_mb", 16000),
        runtime=encoder_attempts("retrain_adversarial", "runtime", 720),
    params:
        script=script_path("train_stage.py"),
        out_dir=lambda wildcards, output: os.path.dirname(output.run),
        checkpoints=checkpoint_dir(RETRAINED_MODEL),
        flags=lambda wc: training_flags(
            wc.encoder,
            epochs=ADVERSARIAL.get("retrain_epochs") or ENCODERS[wc.encoder]["training"]["epochs"],
            max_train_examples=None,  # applied to SNLI's part by adversarial_training_data
        ),
        speed=lambda wc: training_speed_flags(wc.encoder),
    shell:
        train_command(extra="--record_train_predictions False") + " > {log:q} 2>&1"


rule evaluate_attack_set:
    input:
        unpack(attack_sets_of_model),
        model=f"{model_dir('{model}')}/model",
    output:
        predictions=[predictions_file("{model}", f"attack/{{attack}}/{part}") for part in ("train", "heldout")],
        metrics=[predictions_file("{model}", f"attack/{{attack}}/{part}", "json") for part in ("train", "heldout")],
    log:
        "logs/evaluate/attack/{attack}/{model}.log",
    benchmark:
        "logs/benchmarks/evaluate_attack_set/evaluate/attack/{attack}/{model}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    threads: config["training"].get("threads", 1)
    resources:
        gpu=1,
        mem_mb=encoder_attempts("evaluate_attack_set", "mem_mb", 8000),
        runtime=encoder_attempts("evaluate_attack_set", "runtime", 120),
    params:
        script=script_path("evaluate_model.py"),
        out_prefix=predictions_file("{model}", "attack/{attack}").removesuffix(".parquet"),
        options=lambda wc: evaluation_flags(encoder_of(wc)),
        speed=lambda wc: evaluation_speed_flags(encoder_of(wc)),
    shell:
        "python {params.script:q} --model {input.model:q} {params.options} {params.speed} "
        "--set attack/{wildcards.attack}/train {input.train:q} {params.out_prefix:q}/train "
        "--set attack/{wildcards.attack}/heldout {input.heldout:q} {params.out_prefix:q}/heldout "
        "--threads {threads} > {log:q} 2>&1"


rule adversarial_tables:
    input:
        summaries=attack_summaries,
        metrics=adversarial_predictions("json"),
        predictions=adversarial_predictions("parquet"),
        test_pairs=prepared("snli", "test"),
    output:
        **{name: f"{tables_dir('{encoder}')}/adversarial/{name}.csv" for name in ADVERSARIAL_TABLES},
        **{f"{name}_md": f"{tables_dir('{encoder}')}/adversarial/{name}.md" for name in ADVERSARIAL_TABLES},
    log:
        "logs/tables/{encoder}/adversarial.log",
    benchmark:
        "logs/benchmarks/adversarial_tables/tables/{encoder}/adversarial.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("adversarial_tables.py"),
        out_dir=lambda wildcards, output: os.path.dirname(output.overall),
        # shell-quoted: "n't" has a quote of its own
        words=shlex.quote(
            json.dumps(
                {
                    "negation_words": config["lexicon"]["negation_words"],
                    "ambiguity_words": config["lexicon"]["ambiguity_words"],
                    "long_words": config["lexicon"]["long_pair_words"],
                }
            )
        ),
        min_pairs=MIN_PAIRS,
        leakage=LEAKAGE,
    shell:
        "python {params.script:q} --summaries {input.summaries:q} --metrics {input.metrics:q} "
        "--predictions {input.predictions:q} --test-pairs {input.test_pairs:q} --words {params.words} "
        "--min-pairs {params.min_pairs} --leakage {params.leakage} --out-dir {params.out_dir:q} > {log:q} 2>&1"


rule adversarial_plots:
    input:
        f"{tables_dir('{encoder}')}/adversarial/error_flow.csv",
    output:
        report(
            f"{figures_dir('{encoder}')}/adversarial_error_flow_chart.png",
            caption="captions/adversarial_error_flow_chart.rst",
            category="Adversarial training",
        ),
    log:
        "logs/figures/{encoder}/adversarial.log",
    benchmark:
        "logs/benchmarks/adversarial_plots/figures/{encoder}/adversarial.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("adversarial_plots.py"),
    shell:
        "python {params.script:q} --error-flow {input:q} --out {output:q} > {log:q} 2>&1"
