# Training dynamics (dataset cartography, forgetting events) of every run, from the per-epoch training predictions
# the mistakes study records: a Parquet per run, region counts per run and a data map per recipe.


rule training_dynamics:
    input:
        predictions=f"{run_dir()}/train_predictions.parquet",
    output:
        f"results/dynamics/{run_id('{encoder}', '{recipe}', '{seed}', '{lr}')}/dynamics.parquet",
    log:
        "logs/dynamics/{encoder}/{recipe}/seed{seed}/lr{lr}.log",
    benchmark:
        "logs/benchmarks/training_dynamics/dynamics/{encoder}/{recipe}/seed{seed}/lr{lr}.tsv"
    conda:
        "../envs/nlirobust.yaml"
    resources:
        mem_mb=attempts(8000),
        runtime=attempts(30),
    params:
        script=script_path("training_dynamics.py"),
        settings=json.dumps(config.get("training_dynamics", {})),
    shell:
        "python {params.script:q} --train-predictions {input.predictions:q} --settings {params.settings:q} "
        "--out {output:q} > {log:q} 2>&1"


rule dynamics_tables:
    input:
        lambda wc: [f"results/dynamics/{run}/dynamics.parquet" for run in models_of(["initial"], wc.encoder)],
    output:
        regions=f"{tables_dir('{encoder}')}/dynamics/regions.csv",
        regions_md=f"{tables_dir('{encoder}')}/dynamics/regions.md",
        figure=report(
            f"{figures_dir('{encoder}')}/data_maps.png",
            caption="captions/data_maps.rst",
            category="Training dynamics",
        ),
    log:
        "logs/tables/{encoder}/dynamics.log",
    benchmark:
        "logs/benchmarks/dynamics_tables/tables/{encoder}/dynamics.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("dynamics_tables.py"),
        recipes=" ".join(RECIPES),
        mistake_record=config["training"].get("mistake_record", "eval_pass"),
        out_dir=lambda wildcards, output: os.path.dirname(output.regions),
    shell:
        "python {params.script:q} --dynamics {input:q} --recipes {params.recipes} "
        "--mistake-record {params.mistake_record} --out-dir {params.out_dir:q} --figure {output.figure:q} "
        "> {log:q} 2>&1"
