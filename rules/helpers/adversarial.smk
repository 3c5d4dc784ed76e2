# Helpers of the rules in rules/adversarial.smk (kept apart: Snakemake's linter wants rules and functions in
# separate files).

ATTACKS = attacks(config)
RETRAIN_ATTACKS = retrain_attacks(config)
ATTACK_DIR = attack_dir("{encoder}", "{attack}", "{seed}", "{lr}")
RETRAINED_MODEL = adversarial_id("{encoder}", "{attack}", "{seed}", "{lr}")


def adversarial_retrain_start(wildcards):
    """The pretrained model (the baseline's recipe, repeated on more data) or the baseline itself."""
    if ADVERSARIAL["retrain_from"] == "baseline":
        return f"{run_dir(wildcards.encoder, 'snli', wildcards.seed, wildcards.lr)}/model"
    return pretrained_model(wildcards.encoder)


def attack_sets_of_model(wildcards):
    """Both parts of the attack set built from the baseline of the model's encoder, seed and learning rate."""
    run = parse_run(wildcards.model)
    folder = attack_dir(run.encoder, wildcards.attack, run.seed, run.lr)
    return {part: f"{folder}/{part}.parquet" for part in ("train", "heldout")}


def attack_summaries(wildcards):
    """The summary of every attack set of the job's encoder."""
    encoder = wildcards.encoder
    return [
        f"{attack_dir(encoder, a, seed, lr)}/summary.json" for a in ATTACKS for seed in SEEDS for lr in LRS[encoder]
    ]


def adversarial_models(encoder):
    """An encoder's baseline and every retrained model, seed by seed and learning rate by learning rate."""
    return [
        model
        for seed in SEEDS
        for lr in LRS[encoder]
        for model in [run_id(encoder, "snli", seed, lr)]
        + [adversarial_id(encoder, attack, seed, lr) for attack in RETRAIN_ATTACKS]
    ]


def adversarial_predictions(ext):
    """An input function: predictions (or metrics) of every model of the job's encoder's study on SNLI
    validation/test and on every attack set."""
    sets = ["snli/validation", "snli/test"] + [
        f"attack/{attack}/{part}" for attack in ATTACKS for part in ("train", "heldout")
    ]
    return lambda wc: [predictions_file(m, evalset, ext) for m in adversarial_models(wc.encoder) for evalset in sets]
