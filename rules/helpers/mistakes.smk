# Helpers of the rules in rules/mistakes.smk (kept apart: Snakemake's linter wants rules and functions in
# separate files).

LOW_AGREEMENT = config["mistakes"].get("low_agreement", {})
IN_DISTRIBUTION_SETS = in_distribution_sets(config)
# Tables 1, 2 and 5-9 are written per challenge set, under results/tables/<encoder>/mistakes/<data set>/
CHALLENGE_SETS = {evalset.split("/")[0]: evalset for evalset in challenge_sets(config)}


def mistakes_dir(encoder="{encoder}", recipe="{recipe}", seed="{seed}", lr="{lr}"):
    return f"results/mistakes/{run_id(encoder, recipe, seed, lr)}"


def mistake_tables_dir(encoder="{encoder}"):
    return f"{tables_dir(encoder)}/mistakes"


FINAL_MODEL = final_id("{encoder}", "{selection}", "{final_lr}", "{recipe}", "{seed}", "{lr}")


def selection_source(wildcards):
    """The training source a selection's pairs come from (its leakage list): the recipe's last stage's training
    set for a selection of its own examples; for an ambiguity selection the ChaosNLI part matching that stage
    (SNLI pairs for SNLI, MNLI matched for MNLI), or with `low_agreement.source: snli_train`, SNLI's training set.
    """
    last = stages(wildcards.recipe)[-1]
    if wildcards.selection not in AMBIGUITY_SELECTIONS:
        return f"{last}/train"
    if wildcards.selection == "snli_low_agreement" and low_agreement_source(config) == "snli_train":
        return "snli/train"
    return "chaosnli/snli" if last == "snli" else "chaosnli/mnli_m"


def ambiguity_source(wildcards):
    """The prepared file an ambiguity selection picks its pairs from (selection_source)."""
    return prepared(*selection_source(wildcards).split("/"))


def final_learning_rate_flags(wildcards, input):
    """A fixed final learning rate, or `from_schedule`: the rate of the initial run's last optimizer step."""
    if wildcards.final_lr == "from_schedule":
        return f"--learning_rate_from {shlex.quote(input.initial_log)}"
    return f"--learning_rate {wildcards.final_lr}"


def all_initial_runs(pattern, in_distribution=False):
    """An input function: `pattern` ({run}, {evalset}) for every initial model of the job's encoder (and every
    in-distribution set)."""
    sets = IN_DISTRIBUTION_SETS if in_distribution else [None]
    return lambda wc: [
        pattern.format(run=run, evalset=evalset) for run in models_of(["initial"], wc.encoder) for evalset in sets
    ]


def all_final_runs(pattern, in_distribution=False):
    """An input function: `pattern` ({run}, {evalset}) for every final model of the job's encoder (and every
    in-distribution set)."""
    sets = IN_DISTRIBUTION_SETS if in_distribution else [None]
    return lambda wc: [
        pattern.format(run=run, evalset=evalset) for run in models_of(["final"], wc.encoder) for evalset in sets
    ]
