# nlirobust: what did an NLI model really learn? Table of contents of the workflow.
#   snakemake -n                                   plan (no jobs run)
#   snakemake --cores 2 --configfile config/demo.yaml   the embedded default on a laptop
#   snakemake --profile profiles/slurm             the paper run on a SLURM cluster


from snakemake.utils import min_version

min_version("9.19")


# The paper configuration unless one is given: a second --configfile would be deep-merged into this one, and
# the two name different data sources, so a given file replaces it instead of extending it.
if not config:

    configfile: "config/config.yaml"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/evaluate.smk"
include: "rules/mistakes.smk"
include: "rules/dynamics.smk"
include: "rules/adversarial.smk"
include: "rules/analysis.smk"
include: "rules/encoders.smk"
include: "rules/report.smk"


# Run on the login node (quick, or they need the internet): never submitted to SLURM.
localrules:
    all,
    download_hub_dataset,
    download_url,
    download_model,
    data_overlap,
    initial_tables,
    hypothesis_only_baseline,
    mistake_tables,
    mistake_plots,
    challenge_tables,
    dynamics_tables,
    sample_adversarial_pairs,
    adversarial_training_data,
    adversarial_tables,
    adversarial_plots,
    error_spreadsheet,
    analysis_tables,
    run_facts,
    compare_encoders,
    report,


rule all:
    input:
        "results/report.md",
