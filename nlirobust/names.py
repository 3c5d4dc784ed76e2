"""Names shared by the package and the workflow's rules; importing this module must stay instant (no pandas)."""

from nlirobust.data.built_in_sets import BUILT_IN_DECLARATIONS, further_category_fields, two_way

# The reference study's four recipes (stage chains); others of the same form are allowed (rules/common.smk).
REFERENCE_RECIPES: tuple[str, ...] = ("snli", "snli_mnli", "mnli", "mnli_snli")
# Splits every data source provides once prepared (results/data/{dataset}/{split}.parquet).
SPLITS: dict[str, tuple[str, ...]] = {
    "snli": ("train", "validation", "test"),
    "mnli": ("train", "validation_matched", "validation_mismatched"),
    "breaking_nli": ("test",),
    "chaosnli": ("snli", "mnli_m"),
    "hans": ("test",),
}
# Evaluation sets labelled two-way (entailment / non-entailment): a pair's label 1 means non-entailment there, and a
# model's neutral and contradiction both count as non-entailment when it is scored (nlirobust/predict.py).
TWO_WAY_DATASETS: tuple[str, ...] = tuple(name for name in BUILT_IN_DECLARATIONS if two_way(name))
TWO_WAY_LABEL_NAMES: tuple[str, ...] = ("entailment", "non-entailment")
# Category columns of a built-in challenge set beyond `category` (HANS's heuristic): tabled one by one (table9).
EXTRA_CATEGORY_FIELDS: dict[str, tuple[str, ...]] = {
    name: further_category_fields(name) for name in BUILT_IN_DECLARATIONS if further_category_fields(name)
}
# Data sets the workflow can run without (prepared only when `data:` names them).
OPTIONAL_DATASETS: tuple[str, ...] = ("hans",)
# Splits a data set may lack: prepared only when an evaluation set names them (MNLI without its mismatched part).
OPTIONAL_SPLITS: dict[str, tuple[str, ...]] = {"mnli": ("validation_mismatched",)}
# The validation split evaluated after every epoch of a stage trained on each data set.
STAGE_VALIDATION: dict[str, str] = {"snli": "validation", "mnli": "validation_matched"}

# What a final fine-tuning epoch trains on: a run's own mistakes, or ambiguous pairs (the reference's section 3).
MISTAKE_SELECTIONS: tuple[str, ...] = ("all_epochs", "last_epoch", "ever", "forgotten")
# ... or regions of the training-dynamics data map (nlirobust/dynamics.py), from the same per-epoch predictions.
DYNAMICS_SELECTIONS: tuple[str, ...] = ("hard_to_learn", "ambiguous_map", "forgettable")
AMBIGUITY_SELECTIONS: tuple[str, ...] = ("chaosnli_max50", "chaosnli_max60", "snli_low_agreement")

# Every enumeration the workflow knows, once. The schema's enums (config/schema.yaml), the wildcard patterns
# (run_paths.py) and the command lines' choices are these lists; tests/test_names.py fails when one differs.
STAGE_DATASETS: tuple[str, ...] = ("snli", "mnli")  # what a recipe's stages train on (snli_mnli: both in turn)
SELECTIONS: tuple[str, ...] = MISTAKE_SELECTIONS + DYNAMICS_SELECTIONS + AMBIGUITY_SELECTIONS
ATTACKS: tuple[str, ...] = ("gradient", "random")
# every built-in split a model can be scored on (evaluation.sets), and those Tables 1, 2 and 5-9 are written for
EVALUATION_SETS: tuple[str, ...] = (
    "snli/validation",
    "snli/test",
    "mnli/validation_matched",
    "mnli/validation_mismatched",
    "breaking_nli/test",
    "hans/test",
    "chaosnli/snli",
    "chaosnli/mnli_m",
)
CHALLENGE_SETS: tuple[str, ...] = ("breaking_nli/test", "hans/test")
ANALYSIS_SETS: tuple[str, ...] = EVALUATION_SETS[:5]  # the error analysis: SNLI, MNLI and Breaking NLI
MODEL_KINDS: tuple[str, ...] = ("initial", "final", "adversarial")
# `name_or_path` values of the encoders built here (nlirobust/embedded/model.py): a tiny ELECTRA and a tiny BERT
EMBEDDED_ENCODERS: tuple[str, ...] = ("embedded", "embedded-bert")
# folder names an encoder's name would stand beside in results/ (run_paths.py): no encoder may take one
RESERVED_ENCODER_NAMES: tuple[str, ...] = ("final", "adversarial", "llm", "sample", "projections", "learning_curves")
LEAKAGE_ACTIONS: tuple[str, ...] = ("exclude", "fail", "report")
CONFLICT_ACTIONS: tuple[str, ...] = ("keep", "drop", "fail")  # data.conflicting_duplicates
MISTAKE_RECORDS: tuple[str, ...] = ("eval_pass", "train_forward")
TRACKERS: tuple[str, ...] = ("none", "tensorboard", "wandb")
LLM_BACKENDS: tuple[str, ...] = ("transformers", "vllm")
RETRAIN_FROM: tuple[str, ...] = ("pretrained", "baseline")
LOW_AGREEMENT_SOURCES: tuple[str, ...] = ("chaosnli", "snli_train")

# The tables each study writes (results/tables/<study>/<name>.csv and .md), as the rules and the report name them.
MISTAKE_TABLES: tuple[str, ...] = ("table3_combinations", "table4_learning_rates", "in_distribution")
# ... and per challenge set (evaluation.challenge_sets), under results/tables/mistakes/<data set>/
CHALLENGE_TABLES: tuple[str, ...] = (
    "table1_categories",
    "table2_labels",
    "table5_categories",
    "table6_labels",
    "table7_accuracy",
    "table8_category_label",
    "table9_fields",
)
ADVERSARIAL_TABLES: tuple[str, ...] = ("attack_effect", "overall", "subset_metrics", "confusion", "error_flow")
RUN_FACT_TABLES: tuple[str, ...] = ("hardware", "hyperparameters", "runs", "inference")  # in the report's order
ANALYSIS_TABLES: tuple[str, ...] = ("error_types", "fixes", "llm_comparison")
DYNAMICS_TABLES: tuple[str, ...] = ("regions",)

# Settings of `training:` that change how fast a job runs or what it logs, never what it computes: changing one
# must not retrain anything (rules pass them untracked) and must not void a checkpoint (the fingerprint skips them).
# (The GPU-only ones may round differently in the last bits, as any other kernel choice does: the same computation.)
SPEED_ONLY_SETTINGS: tuple[str, ...] = (
    "eval_batch_size",
    "logging_steps",
    "report_to",
    "tokenization_cache",
    "threads",
    "cuda_graphs",
    "fused_optimizer",
    "pad_to_multiple_of",
    "deterministic",
)


def lr_name(lr: float | str) -> str:
    """A learning rate as it appears in run paths: the shortest text that reads back as the same float.

    5e-05, 0.0015, 2.7e-07; two different rates never share a name (1e-4 is 0.0001, 1.000001e-4 is 0.0001000001).
    """
    return repr(float(lr))
