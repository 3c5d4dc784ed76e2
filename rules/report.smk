# results/report.md: every table with a one-sentence caption, built from data files only (no model loaded).


include: "helpers/report.smk"


rule report:
    input:
        [report_input(entry) for entry in REPORT_MANIFEST],
    output:
        "results/report.md",
    log:
        "logs/report.log",
    benchmark:
        "logs/benchmarks/report/report.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("report.py"),
        manifest=json.dumps(REPORT_MANIFEST),
        captions=str(Path(workflow.basedir) / "rules" / "captions"),
        config_json=json.dumps(
            {
                "encoders": [
                    {k: e[k] for k in ("name", "name_or_path", "max_length", "training")} | {"learning_rates": LRS[n]}
                    for n, e in ENCODERS.items()
                ],
                "recipes": RECIPES,
                "seeds": SEEDS,
                "reference_accuracy": config.get("reference_accuracy", {}),
                "leakage": LEAKAGE,
                "two_way_sets": two_way_sets(config),
            }
        ),
    # the manifest goes in on standard input: on a large grid it is longer than one command-line argument may be
    # (128 KB on Linux; 4 recipes x 5 seeds x 3 rates x 3 encoders: 290 KB)
    shell:
        "python {params.script:q} --manifest - --captions {params.captions:q} "
        "--config {params.config_json:q} --out {output:q} > {log:q} 2>&1 <<'MANIFEST'\n{params.manifest}\nMANIFEST"
