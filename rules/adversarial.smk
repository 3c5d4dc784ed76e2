# The gradient-based adversarial study (reference: Khan): attack the `snli` baseline on a balanced sample of SNLI
# validation, retrain on SNLI train plus the attacked pairs, compare both models overall and on subsets.


rule sample_adversarial_pairs:
    input:
        prepared("snli", "validation"),
    output:
        "results/adversarial/sample/seed{seed}.parquet",
    log:
        "logs/adversarial/sample/seed{seed}.log",
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("sample_adversarial.py"),
        per_class=ADVERSARIAL["per_class"] if ADVERSARIAL else 0,
        heldout=ADVERSARIAL["heldout_fraction"] if ADVERSARIAL else 0,
    shell:
        "python {params.script} --pairs {input} --per-class {params.per_class} "
        "--heldout-fraction {params.heldout} --seed {wildcards.seed} --out {output} > {log} 2>&1"


rule attack_baseline:
    input:
        model=f"{run_dir('snli')}/model",
        sample="results/adversarial/sample/seed{seed}.parquet",
    output:
        attack=f"{attack_dir()}/attack.jsonl",
        train=f"{attack_dir()}/train.parquet",
        heldout=f"{attack_dir()}/heldout.parquet",
        summary=f"{attack_dir()}/summary.json",
    log:
        "logs/adversarial/attack/{attack}/seed{seed}/lr{lr}.log",
    conda:
        "../envs/nlirobust.yaml"
    threads: config["training"].get("threads", 1)
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=60,
    params:
        script=script_path("attack_pairs.py"),
        out_dir=lambda wildcards, output: os.path.dirname(output.summary),
        options=(
            f"--top-k {ADVERSARIAL['top_k']} --max-length {config['model']['max_length']}"
            + (" --word-level" if ADVERSARIAL["word_level"] else "")
            if ADVERSARIAL
            else ""
        ),
    shell:
        "python {params.script} --model {input.model} --sample {input.sample} --method {wildcards.attack} "
        "--seed {wildcards.seed} --threads {threads} {params.options} --out-dir {params.out_dir} > {log} 2>&1"


rule adversarial_training_data:
    input:
        train=prepared("snli", "train"),
        attack_train=f"{attack_dir()}/train.parquet",
    output:
        temp(f"{attack_dir()}/retrain_data.parquet"),
    log:
        "logs/adversarial/retrain_data/{attack}/seed{seed}/lr{lr}.log",
    conda:
        "../envs/nlirobust.yaml"
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        script=script_path("adversarial_training_data.py"),
    shell:
        "python {params.script} --train {input.train} --attack-train {input.attack_train} "
        "--out {output} > {log} 2>&1"


rule retrain_adversarial:
    input:
        model=adversarial_retrain_start,
        train=f"{attack_dir()}/retrain_data.parquet",
        validation=prepared("snli", "validation"),
    output:
        model=directory(f"{retrained_dir()}/model"),
        train_log=f"{retrained_dir()}/train_log.csv",
        epoch_log=f"{retrained_dir()}/epoch_log.csv",
        run=f"{retrained_dir()}/run.json",
    log:
        "logs/adversarial/retrain/{attack}/seed{seed}/lr{lr}.log",
    conda:
        "../envs/nlirobust.yaml"
    threads: config["training"].get("threads", 1)
    resources:
        gpu=1,
        mem_mb=16000,
        runtime=720,
    params:
        script=script_path("train_stage.py"),
        out_dir=lambda wildcards, output: os.path.dirname(output.run),
        checkpoints="results/checkpoints/adversarial/{attack}/snli/seed{seed}/lr{lr}",
        flags=training_flags(
            epochs=(ADVERSARIAL or {}).get("retrain_epochs")
            or config["training"]["epochs"]
        ),
    shell:
        "python {params.script} --model_in {input.model} --train_file {input.train} "
        "--validation_file {input.validation} --output_dir {params.out_dir} "
        "--checkpoint_dir {params.checkpoints} --seed {wildcards.seed} --learning_rate {wildcards.lr} "
        "--record_train_predictions False --threads {threads} {params.flags} > {log} 2>&1"


rule evaluate_attack_set:
    input:
        unpack(attack_sets_of_model),
        model="results/models/{model}/model",
    output:
        predictions=[
            f"results/predictions/{{model}}/attack/{{attack}}/{part}.parquet"
            for part in ("train", "heldout")
        ],
        metrics=[
            f"results/predictions/{{model}}/attack/{{attack}}/{part}.json"
            for part in ("train", "heldout")
        ],
    log:
        "logs/evaluate/attack/{attack}/{model}.log",
    conda:
        "../envs/nlirobust.yaml"
    threads: config["training"].get("threads", 1)
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=60,
    params:
        script=script_path("evaluate_model.py"),
        out_prefix="results/predictions/{model}/attack/{attack}",
        batch_size=config["training"].get("eval_batch_size", 128),
        max_length=config["model"]["max_length"],
        speed=evaluation_flags(),
    shell:
        "python {params.script} --model {input.model} {params.speed} "
        "--set attack/{wildcards.attack}/train {input.train} {params.out_prefix}/train "
        "--set attack/{wildcards.attack}/heldout {input.heldout} {params.out_prefix}/heldout "
        "--batch-size {params.batch_size} --max-length {params.max_length} --threads {threads} > {log} 2>&1"


rule adversarial_tables:
    input:
        summaries=[
            f"{attack_dir(attack, seed, lr)}/summary.json"
            for attack in ATTACKS
            for seed in SEEDS
            for lr in LRS
        ],
        metrics=adversarial_predictions("json"),
        predictions=adversarial_predictions("parquet"),
        test_pairs=prepared("snli", "test"),
    output:
        **{
            name: f"results/tables/adversarial/{name}.csv"
            for name in ADVERSARIAL_TABLES
        },
        **{
            f"{name}_md": f"results/tables/adversarial/{name}.md"
            for name in ADVERSARIAL_TABLES
        },
    log:
        "logs/tables/adversarial.log",
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
    shell:
        "python {params.script} --summaries {input.summaries} --metrics {input.metrics} "
        "--predictions {input.predictions} --test-pairs {input.test_pairs} --words {params.words} "
        "--out-dir {params.out_dir} > {log} 2>&1"


rule adversarial_plots:
    input:
        "results/tables/adversarial/error_flow.csv",
    output:
        report(
            "results/figures/adversarial_error_flow_chart.png",
            caption="captions/adversarial_error_flow_chart.rst",
            category="Adversarial training",
        ),
    log:
        "logs/figures/adversarial.log",
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("adversarial_plots.py"),
    shell:
        "python {params.script} --error-flow {input} --out {output} > {log} 2>&1"
