# Data and base model: download (login node, internet), or generate/build the embedded default; then prepare
# every data set into the pair schema under results/data/.


localrules:
    download_hub_dataset,
    download_url,
    download_model,


rule download_hub_dataset:
    output:
        directory("resources/hub/{dataset}"),
    log:
        "logs/download/hub_{dataset}.log",
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("download.py"),
        hub=lambda wc: config["data"][wc.dataset]["hub"],
        hub_config=lambda wc: (
            f"--hub-config {config['data'][wc.dataset]['hub_config']}"
            if config["data"][wc.dataset].get("hub_config")
            else ""
        ),
    shell:
        "python {params.script} --hub-dataset {params.hub} {params.hub_config} --out {output} > {log} 2>&1"


rule download_url:
    output:
        directory("resources/downloads/{dataset}"),
    log:
        "logs/download/url_{dataset}.log",
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("download.py"),
        url=lambda wc: config["data"][wc.dataset]["url"],
    shell:
        "python {params.script} --url '{params.url}' --out {output} > {log} 2>&1"


rule download_model:
    output:
        directory("resources/models/hub/{model_slug}"),
    log:
        "logs/download/model_{model_slug}.log",
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("download.py"),
        model_id=lambda wildcards: HUB_MODELS[wildcards.model_slug],
    shell:
        "python {params.script} --hub-model {params.model_id} --out {output} > {log} 2>&1"


rule make_embedded_data:
    output:
        snli=directory("resources/embedded/snli"),
        mnli=directory("resources/embedded/mnli"),
        breaking_nli=directory("resources/embedded/breaking_nli"),
        chaosnli=directory("resources/embedded/chaosnli"),
    log:
        "logs/data/make_embedded_data.log",
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("make_embedded_data.py"),
        seed=config.get("embedded", {}).get("seed", 0),
        sizes=json.dumps(config.get("embedded", {}).get("sizes", {})),
    shell:
        "python {params.script} --out-dir resources/embedded --seed {params.seed} "
        "--sizes '{params.sizes}' > {log} 2>&1"


rule build_embedded_model:
    input:
        train=[prepared("snli", "train"), prepared("mnli", "train")],
    output:
        directory("resources/models/embedded"),
    log:
        "logs/data/build_embedded_model.log",
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("build_embedded_model.py"),
        max_length=config["model"]["max_length"],
        options=json.dumps(config.get("embedded", {}).get("model", {})),
        seed=config.get("embedded", {}).get("seed", 0),
    shell:
        "python {params.script} --train {input.train} --out-dir {output} "
        "--max-length {params.max_length} --seed {params.seed} --model '{params.options}' > {log} 2>&1"


for _dataset, _splits in SPLITS.items():

    rule:
        name:
            f"prepare_{_dataset}"
        input:
            raw=raw_data(_dataset),
        output:
            splits=[prepared(_dataset, split) for split in _splits],
            counts=f"results/data/{_dataset}/counts.json",
        log:
            f"logs/data/prepare_{_dataset}.log",
        conda:
            "../envs/nlirobust.yaml"
        params:
            script=script_path("prepare_data.py"),
            dataset=_dataset,
            out_dir=lambda wildcards, output: os.path.dirname(output.counts),
        shell:
            "python {params.script} --dataset {params.dataset} --raw {input.raw} "
            "--out-dir {params.out_dir} --counts {output.counts} > {log} 2>&1"
