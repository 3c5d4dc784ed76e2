# Helpers of rules/encoders.smk (kept apart: Snakemake's linter wants rules and functions in separate files).


def comparison_final_metrics():
    """Breaking NLI metrics of one final tuning of every initial model: the first selection at the recipe's first
    final rate (the comparison's column names them)."""
    selection = config["mistakes"]["selections"][0]
    return [
        predictions_file(final_id(name, selection, final_learning_rates(config, recipe, e)[0], recipe, seed, lr),
                         "breaking_nli/test", "json")
        for name, e in ENCODERS.items() for recipe in RECIPES for seed in SEEDS for lr in LRS[name]
    ]  # fmt: skip


def comparison_attack_summaries():
    if not ADVERSARIAL:
        return []
    return [
        f"{attack_dir(n, a, seed, lr)}/summary.json"
        for n in ENCODERS
        for a in ATTACKS
        for seed in SEEDS
        for lr in LRS[n]
    ]


def comparison_attack_predictions():
    """Each baseline's SNLI validation predictions and its predictions on every attack set."""
    if not ADVERSARIAL:
        return []
    sets = ["snli/validation"] + [f"attack/{a}/{part}" for a in ATTACKS for part in ("train", "heldout")]
    return [
        predictions_file(run_id(n, "snli", seed, lr), s)
        for n in ENCODERS
        for seed in SEEDS
        for lr in LRS[n]
        for s in sets
    ]
