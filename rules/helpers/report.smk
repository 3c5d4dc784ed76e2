# The report manifest: what results/report.md shows, in order (rules/report.smk's one input list).

# The report's sections, in order, and the Snakemake HTML report's category of the tables and figures shown in each.
REPORT_SECTIONS = {
    "data": None,  # pairs per split (counts.json)
    "leakage": None,  # training pairs in scored sets (overlap.md)
    "encoders": "Encoders compared",  # every encoder side by side (results/tables/encoders_compared.md)
    "encoders_data": None,  # its CSV (the report says which rate each row used)
    "encoders_figure": None,  # reported by compare_encoders
    "accuracy": "Initial fine-tuning",
    "reference": None,  # the comparison with published numbers: accuracy CSV and the hypothesis-only baseline
    "epochs": "Initial fine-tuning",
    "mistakes": "Mistaken examples",
    "challenge": "Mistaken examples",  # one subsection per challenge set (the table's folder)
    "mistake_figures": None,  # reported by mistake_plots
    "dynamics": "Training dynamics",
    "dynamics_figures": None,  # reported by dynamics_tables
    "adversarial": "Adversarial training",
    "adversarial_figures": None,  # reported by adversarial_plots
    "run_facts": "Error analysis",
    "curves": "Error analysis",
    "analysis": "Error analysis",
    "sheets": None,  # the error spreadsheets: listed, not shown
    "llm_facts": None,
    "projections": "Error analysis",
    "maps": None,  # every analysed model's hidden-state map is made; the report shows the initial models'
}


def report_manifest():
    """What results/report.md shows: one entry a file, {section, path, caption, encoder}, in the report's order:
    the shared sections (encoder None), then each encoder's. A caption names rules/captions/<caption>.rst
    ("{stem}": the file's stem). A new table is its writer's rule, its caption and one entry here (or one name in
    the nlirobust/names.py list its section enumerates)."""
    entries = []

    def add(section, paths, caption=None, encoder=None):
        assert section in REPORT_SECTIONS, section
        for path in [paths] if isinstance(paths, str) else paths:
            name = caption.format(stem=Path(path).stem) if caption else None
            entries.append({"section": section, "path": str(path), "caption": name, "encoder": encoder})

    add("data", [f"results/data/{dataset}/counts.json" for dataset in DATASETS])
    add("leakage", "results/data/overlap.md")
    add("encoders", rules.compare_encoders.output.md, "encoders_compared")
    add("encoders_data", rules.compare_encoders.output.csv)
    add("encoders_figure", rules.compare_encoders.output.figure, "encoders_compared_figure")
    for encoder in ENCODERS:
        entries += encoder_manifest(encoder)
    return entries


def encoder_manifest(encoder):
    """One encoder's part of the report manifest: every study's tables and figures of its runs."""
    entries = []

    def add(section, paths, caption=None):
        for path in [paths] if isinstance(paths, str) else paths:
            name = caption.format(stem=Path(path).stem) if caption else None
            entries.append({"section": section, "path": str(path), "caption": name, "encoder": encoder})

    tables, figures = tables_dir(encoder), figures_dir(encoder)
    add("accuracy", f"{tables}/initial_accuracy.md", "initial_accuracy")
    add("reference", [f"{tables}/initial_accuracy.csv", "results/baselines/hypothesis_only/snli_validation.json"])
    add("epochs", f"{tables}/initial_epochs.md", "initial_epochs")
    add("mistakes", [f"{mistake_tables_dir(encoder)}/{name}.md" for name in MISTAKE_TABLES], "{stem}")
    add(
        "challenge",
        [f"{mistake_tables_dir(encoder)}/{s}/{name}.md" for s in CHALLENGE_SETS for name in CHALLENGE_TABLES],
        "{stem}",
    )
    add("mistake_figures", [expand(p, encoder=encoder)[0] for p in rules.mistake_plots.output], "{stem}")
    add("dynamics", [f"{tables}/dynamics/{name}.md" for name in DYNAMICS_TABLES], "dynamics_{stem}")
    add("dynamics_figures", f"{figures}/data_maps.png", "{stem}")
    if ADVERSARIAL:
        add("adversarial", [f"{tables}/adversarial/{name}.md" for name in ADVERSARIAL_TABLES], "adversarial_{stem}")
        add("adversarial_figures", f"{figures}/adversarial_error_flow_chart.png", "{stem}")
    if ANALYSIS:
        add("run_facts", [f"{tables}/analysis/{name}.md" for name in RUN_FACT_TABLES], "analysis_{stem}")
        add("curves", learning_curve_files(encoder), "learning_curves")
        add("analysis", [f"{tables}/analysis/{name}.md" for name in ANALYSIS_TABLES], "analysis_{stem}")
    add("sheets", analysis_outputs("results/analysis/{model}/{evalset}/errors.csv", encoder))
    add("llm_facts", [llm_file(evalset, "json") for evalset in ANALYSIS_SETS if LLM])
    projections = [
        f"results/figures/projections/{run}/{evalset}_{method}.png"
        for run in models_of(["initial"], encoder)
        for evalset in ANALYSIS_SETS
        for method in ("pca", "tsne")
    ]
    add("projections", projections, "projection")
    add("maps", analysis_outputs("results/analysis/{model}/{evalset}/projection.parquet", encoder))
    return entries


REPORT_MANIFEST = report_manifest()


def report_input(entry):
    """A manifest entry as an input; a shown table or figure goes into Snakemake's HTML report under its caption."""
    category = REPORT_SECTIONS[entry["section"]]
    if category is None or entry["caption"] is None:
        return entry["path"]
    # the HTML report: one encoder's tables under its name, a challenge set's under the set's
    subcategory = Path(entry["path"]).parent.name if entry["section"] == "challenge" else None
    if entry["encoder"] and len(ENCODERS) > 1:
        subcategory = entry["encoder"] + (f" {subcategory}" if subcategory else "")
    return report(entry["path"], caption=f"captions/{entry['caption']}.rst", category=category, subcategory=subcategory)
