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
    params:
        hub=lambda wc: config["data"][wc.dataset]["hub"],
        hub_config=lambda wc: (
            f"--hub-config {config['data'][wc.dataset]['hub_config']}"
            if config["data"][wc.dataset].get("hub_config")
            else ""
        ),
    shell:
        "{PYTHON} {SCRIPTS}/download.py --hub-dataset {params.hub} {params.hub_config} --out {output} > {log} 2>&1"


rule download_url:
    output:
        directory("resources/downloads/{dataset}"),
    log:
        "logs/download/url_{dataset}.log",
    params:
        url=lambda wc: config["data"][wc.dataset]["url"],
    shell:
        "{PYTHON} {SCRIPTS}/download.py --url '{params.url}' --out {output} > {log} 2>&1"


rule download_model:
    output:
        directory("resources/models/hub/{model_slug}"),
    log:
        "logs/download/model_{model_slug}.log",
    params:
        model_id=config["model"]["name_or_path"],
    shell:
        "{PYTHON} {SCRIPTS}/download.py --hub-model {params.model_id} --out {output} > {log} 2>&1"


rule make_embedded_data:
    output:
        snli=directory("resources/embedded/snli"),
        mnli=directory("resources/embedded/mnli"),
        breaking_nli=directory("resources/embedded/breaking_nli"),
        chaosnli=directory("resources/embedded/chaosnli"),
    log:
        "logs/data/make_embedded_data.log",
    params:
        seed=config.get("embedded", {}).get("seed", 0),
        sizes=json.dumps(config.get("embedded", {}).get("sizes", {})),
    shell:
        "{PYTHON} {SCRIPTS}/make_embedded_data.py --out-dir resources/embedded --seed {params.seed} "
        "--sizes '{params.sizes}' > {log} 2>&1"


rule build_embedded_model:
    input:
        train=[prepared("snli", "train"), prepared("mnli", "train")],
    output:
        directory("resources/models/embedded"),
    log:
        "logs/data/build_embedded_model.log",
    params:
        max_length=config["model"]["max_length"],
        options=json.dumps(config.get("embedded", {}).get("model", {})),
        seed=config.get("embedded", {}).get("seed", 0),
    shell:
        "{PYTHON} {SCRIPTS}/build_embedded_model.py --train {input.train} --out-dir {output} "
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
        params:
            dataset=_dataset,
            out_dir=f"results/data/{_dataset}",
        shell:
            "{PYTHON} {SCRIPTS}/prepare_data.py --dataset {params.dataset} --raw {input.raw} "
            "--out-dir {params.out_dir} --counts {output.counts} > {log} 2>&1"
