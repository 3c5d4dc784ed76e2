# Data and base model: download (login node, internet), or generate/build the embedded default; then prepare
# every data set into the pair schema under results/data/.


include: "helpers/data.smk"


rule download_hub_dataset:
    output:
        directory("resources/hub/{dataset}"),
    log:
        "logs/download/hub_{dataset}.log",
    benchmark:
        "logs/benchmarks/download_hub_dataset/download/hub_{dataset}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("download.py"),
        hub=lambda wc: config["data"][wc.dataset]["hub"],
        hub_config=lambda wc: (
            f"--hub-config {shlex.quote(config['data'][wc.dataset]['hub_config'])}"
            if config["data"][wc.dataset].get("hub_config")
            else ""
        ),
    shell:
        "python {params.script:q} --hub-dataset {params.hub:q} {params.hub_config} --out {output:q} > {log:q} 2>&1"


rule download_url:
    output:
        directory("resources/downloads/{dataset}"),
    log:
        "logs/download/url_{dataset}.log",
    benchmark:
        "logs/benchmarks/download_url/download/url_{dataset}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("download.py"),
        url=lambda wc: config["data"][wc.dataset]["url"],
    shell:
        "python {params.script:q} --url {params.url:q} --out {output:q} > {log:q} 2>&1"


rule download_model:
    output:
        directory("resources/models/hub/{model_slug}"),
    log:
        "logs/download/model_{model_slug}.log",
    benchmark:
        "logs/benchmarks/download_model/download/model_{model_slug}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("download.py"),
        model_id=lambda wildcards: HUB_MODELS[wildcards.model_slug],
    shell:
        "python {params.script:q} --hub-model {params.model_id:q} --out {output:q} > {log:q} 2>&1"


rule make_embedded_data:
    output:
        snli=directory("resources/embedded/snli"),
        mnli=directory("resources/embedded/mnli"),
        breaking_nli=directory("resources/embedded/breaking_nli"),
        chaosnli=directory("resources/embedded/chaosnli"),
        hans=directory("resources/embedded/hans"),
    log:
        "logs/data/make_embedded_data.log",
    benchmark:
        "logs/benchmarks/make_embedded_data/data/make_embedded_data.tsv"
    conda:
        "../envs/nlirobust.yaml"
    resources:
        mem_mb=attempts(4000),
        runtime=attempts(30),
    params:
        script=script_path("make_embedded_data.py"),
        seed=config.get("embedded", {}).get("seed", 0),
        sizes=json.dumps(config.get("embedded", {}).get("sizes", {})),
    shell:
        "python {params.script:q} --out-dir resources/embedded --seed {params.seed} "
        "--sizes {params.sizes:q} > {log:q} 2>&1"


rule build_embedded_model:
    input:
        train=[prepared("snli", "train"), prepared("mnli", "train")],
    output:
        directory("resources/models/{variant}"),
    log:
        "logs/data/build_embedded_model_{variant}.log",
    benchmark:
        "logs/benchmarks/build_embedded_model/data/build_embedded_model_{variant}.tsv"
    wildcard_constraints:
        variant="|".join(EMBEDDED_ENCODERS),
    conda:
        "../envs/nlirobust.yaml"
    resources:
        mem_mb=attempts(4000),
        runtime=attempts(30),
    params:
        script=script_path("build_embedded_model.py"),
        max_length=lambda wc: embedded_max_length(wc.variant),
        options=lambda wc: json.dumps(config.get("embedded", {}).get("model", {}) if wc.variant == "embedded" else {}),
        seed=config.get("embedded", {}).get("seed", 0),
    shell:
        "python {params.script:q} --variant {wildcards.variant} --train {input.train:q} --out-dir {output:q} "
        "--max-length {params.max_length} --seed {params.seed} --model {params.options:q} > {log:q} 2>&1"


for _dataset in DATASETS:

    rule:
        name:
            f"prepare_{_dataset}"
        input:
            raw=raw_data(_dataset),
        output:
            splits=[prepared(_dataset, split) for split in prepared_splits(_dataset)],
            counts=f"results/data/{_dataset}/counts.json",
        log:
            f"logs/data/prepare_{_dataset}.log",
        benchmark:
            f"logs/benchmarks/prepare_{_dataset}/data/prepare_{_dataset}.tsv"
        conda:
            "../envs/nlirobust.yaml"
        resources:
            mem_mb=attempts(8000),
            runtime=attempts(30),
        params:
            script=script_path("prepare_data.py"),
            dataset=_dataset,
            out_dir=lambda wildcards, output: os.path.dirname(output.counts),
            splits=" ".join(prepared_splits(_dataset)),
            shares=(
                f"--split-shares {shlex.quote(json.dumps(config['data'][_dataset]['split']))}"
                if config["data"][_dataset].get("split")
                else ""
            ),
            conflicts=config["data"].get("conflicting_duplicates", "keep"),
            # a declared set: how to read it (check_lines is for planning only: editing it prepares nothing again)
            declaration=(
                "--declaration "
                + shlex.quote(json.dumps({k: v for k, v in config["data"][_dataset].items() if k != "check_lines"}))
                if _dataset in declared_sets(config)
                else ""
            ),
        shell:
            "python {params.script:q} --dataset {params.dataset} --raw {input.raw:q} --splits {params.splits} "
            "{params.shares} --conflicting-duplicates {params.conflicts} {params.declaration} "
            "--out-dir {params.out_dir:q} --counts {output.counts:q} > {log:q} 2>&1"


# Which training and tuning sources share pairs with the scored sets (the `leakage` setting decides what happens
# to them in each training job; under `fail` this job stops the workflow before any training starts).
TRAINING_SOURCES = training_sources(config)


rule data_overlap:
    input:
        train=[prepared(*source) for source in TRAINING_SOURCES.values()],
        scored=scored_sets(),
    output:
        csv="results/data/overlap.csv",
        md="results/data/overlap.md",
        lists=[leakage_file(source) for source in TRAINING_SOURCES],
    log:
        "logs/data/overlap.log",
    benchmark:
        "logs/benchmarks/data_overlap/data/overlap.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("data_overlap.py"),
        names=" ".join(TRAINING_SOURCES),
        scored_names=" ".join(EVAL_SETS),
        adversarial="--adversarial-retraining" if retrain_attacks(config) else "",
        leakage=LEAKAGE,
    shell:
        "python {params.script:q} --train-names {params.names} --train {input.train:q} "
        "--scored-names {params.scored_names} --scored {input.scored:q} --leakage {params.leakage} "
        "{params.adversarial} --leakage-lists {output.lists:q} --csv {output.csv:q} --md {output.md:q} > {log:q} 2>&1"
