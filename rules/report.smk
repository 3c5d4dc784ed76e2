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
        challenges=[
            report(
                f"results/tables/mistakes/{challenge}/{name}.md",
                caption=f"captions/{name}.rst",
                category="Mistaken examples",
                subcategory=challenge,
            )
            for challenge in CHALLENGE_SETS
            for name in CHALLENGE_TABLES
        ],
        dynamics=report(
            "results/tables/dynamics/regions.md",
            caption="captions/dynamics_regions.rst",
            category="Training dynamics",
        ),
        dynamics_figure=rules.dynamics_tables.output.figure,
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
        analysis=(
            [
                report(
                    f"results/tables/analysis/{name}.md",
                    caption=f"captions/analysis_{name}.rst",
                    category="Error analysis",
                )
                for name in RUN_FACT_TABLES + ANALYSIS_TABLES
            ]
            if ANALYSIS
            else []
        ),
        curves=(
            [
                report(
                    path,
                    caption="captions/learning_curves.rst",
                    category="Error analysis",
                )
                for path in learning_curve_files()
            ]
            if ANALYSIS
            else []
        ),
        projections=[
            report(
                f"results/figures/projections/{run}/{evalset}_{method}.png",
                caption="captions/projection.rst",
                category="Error analysis",
            )
            for run in models_of(["initial"])
            for evalset in ANALYSIS_SETS
            for method in ("pca", "tsne")
        ],
        sheets=analysis_outputs("results/analysis/{model}/{evalset}/errors.csv"),
        # every analysed model's hidden-state map is made; the report shows the initial models'
        maps=analysis_outputs("results/analysis/{model}/{evalset}/projection.parquet"),
        llm_facts=[llm_file(evalset, "json") for evalset in ANALYSIS_SETS if LLM],
        figures=rules.mistake_plots.output,
        adversarial_figures=rules.adversarial_plots.output if ADVERSARIAL else [],
        accuracy_csv="results/tables/initial_accuracy.csv",
        baseline="results/baselines/hypothesis_only/snli_validation.json",
        counts=[f"results/data/{dataset}/counts.json" for dataset in DATASETS],
        overlap="results/data/overlap.md",
    output:
        "results/report.md",
    log:
        "logs/report.log",
    benchmark:
        "logs/benchmarks/report/report.tsv"
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
                "leakage": LEAKAGE,
            }
        ),
    shell:
        "python {params.script:q} --accuracy-md {input.accuracy:q} --epochs-md {input.epochs:q} "
        "--accuracy-csv {input.accuracy_csv:q} --baseline {input.baseline:q} --counts {input.counts:q} "
        "--mistakes {input.mistakes:q} --challenges {input.challenges:q} --figures {input.figures:q} --adversarial {input.adversarial:q} "
        "--adversarial-figures {input.adversarial_figures:q} --analysis {input.analysis:q} --curves {input.curves:q} "
        "--projections {input.projections:q} --sheets {input.sheets:q} --llm-facts {input.llm_facts:q} "
        "--overlap {input.overlap:q} --dynamics {input.dynamics:q} --dynamics-figure {input.dynamics_figure:q} "
        "--captions {params.captions:q} "
        "--config {params.config_json:q} --out {output:q} > {log:q} 2>&1"
