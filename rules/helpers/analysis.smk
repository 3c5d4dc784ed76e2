# Helpers of the rules in rules/analysis.smk (kept apart: Snakemake's linter wants rules and functions in
# separate files).

ANALYSIS_SETS = list(ANALYSIS["sets"]) if ANALYSIS else []
ANALYSIS_KINDS = analysis_kinds(config)


def llm_model():
    return model_location(LLM["model"], "resources/models/embedded_llm")


def llm_predictions_of(dataset, split):
    """The LLM's answers on a set, or nothing when no LLM is configured."""
    return [llm_file(f"{dataset}/{split}")] if LLM else []


def analysis_outputs(pattern, encoder):
    """`pattern` ({model}, {evalset}) for every analysed model of an encoder and every analysed set."""
    models = models_of(ANALYSIS_KINDS, encoder)
    return [pattern.format(model=model, evalset=evalset) for model in models for evalset in ANALYSIS_SETS]


def learning_curve_files(encoder="{encoder}"):
    """One learning-curve figure per recipe (its initial runs), then one per retraining attack (its retrained runs)."""
    attacks = retrain_attacks(config) if ADVERSARIAL else []  # as params.attacks of run_facts
    folder = f"{figures_dir(encoder)}/learning_curves"
    return [f"{folder}/{recipe}.png" for recipe in RECIPES] + [f"{folder}/adversarial_{a}.png" for a in attacks]
