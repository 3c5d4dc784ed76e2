# results/report.md: every table with a one-sentence caption, built from data files only (no model loaded).


rule report:
    input:
        accuracy=report(
            "results/tables/initial_accuracy.md",
            caption="captions/initial_accuracy.rst",
            category="Initial fine-tuning",
        ),
        epochs=report(
            "results/tables/initial_epochs.md",
            caption="captions/initial_epochs.rst",
            category="Initial fine-tuning",
        ),
        mistakes=[
            report(
                f"results/tables/mistakes/{name}.md",
                caption=f"captions/{name}.rst",
                category="Mistaken examples",
            )
            for name in MISTAKE_TABLES
        ],
        adversarial=(
            [
                report(
                    f"results/tables/adversarial/{name}.md",
                    caption=f"captions/adversarial_{name}.rst",
                    category="Adversarial training",
                )
                for name in ADVERSARIAL_TABLES
            ]
            if ADVERSARIAL
            else []
        ),
        figures=rules.mistake_plots.output,
        adversarial_figures=rules.adversarial_plots.output if ADVERSARIAL else [],
        accuracy_csv="results/tables/initial_accuracy.csv",
        baseline="results/baselines/hypothesis_only/snli_validation.json",
        counts=[f"results/data/{dataset}/counts.json" for dataset in SPLITS],
    output:
        "results/report.md",
    log:
        "logs/report.log",
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("write_report.py"),
        captions=str(Path(workflow.basedir) / "rules" / "captions"),
        config_json=json.dumps(
            {
                "model": config["model"]["name_or_path"],
                "recipes": RECIPES,
                "seeds": SEEDS,
                "learning_rates": LRS,
                "training": config["training"],
                "reference_accuracy": config.get("reference_accuracy", {}),
            }
        ),
    shell:
        "python {params.script} --accuracy-md {input.accuracy} --epochs-md {input.epochs} "
        "--accuracy-csv {input.accuracy_csv} --baseline {input.baseline} --counts {input.counts} "
        "--mistakes {input.mistakes} --figures {input.figures} --adversarial {input.adversarial} "
        "--adversarial-figures {input.adversarial_figures} --captions {params.captions} "
        "--config '{params.config_json}' --out {output} > {log} 2>&1"
