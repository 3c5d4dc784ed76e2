# Helpers of the rules in rules/adversarial.smk (kept apart: Snakemake's linter wants rules and functions in
# separate files).

ATTACKS = attacks(config)
RETRAIN_ATTACKS = retrain_attacks(config)
ATTACK_DIR = attack_dir("{attack}", "{seed}", "{lr}")
RETRAINED_MODEL = adversarial_id("{attack}", "{seed}", "{lr}")


def adversarial_retrain_start(wildcards):
    """The pretrained model (the baseline's recipe, repeated on more data) or the baseline itself."""
    if ADVERSARIAL["retrain_from"] == "baseline":
        return f"{run_dir('snli', wildcards.seed, wildcards.lr)}/model"
    return pretrained_model()


def attack_sets_of_model(wildcards):
    """Both parts of the attack set built from the baseline of the model's seed and learning rate."""
    run = parse_run(wildcards.model)
    return {part: f"{attack_dir(wildcards.attack, run.seed, run.lr)}/{part}.parquet" for part in ("train", "heldout")}


def adversarial_models():
    """The baseline and every retrained model, seed by seed and learning rate by learning rate."""
    return [
        model
        for seed in SEEDS
        for lr in LRS
        for model in [run_id("snli", seed, lr)] + [adversarial_id(attack, seed, lr) for attack in RETRAIN_ATTACKS]
    ]


def adversarial_predictions(ext):
    """Predictions (or metrics) of every model of the study on SNLI validation/test and on every attack set."""
    sets = ["snli/validation", "snli/test"] + [
        f"attack/{attack}/{part}" for attack in ATTACKS for part in ("train", "heldout")
    ]
    return [predictions_file(model, evalset, ext) for model in adversarial_models() for evalset in sets]
