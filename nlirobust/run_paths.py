"""Where every run lives: built and parsed here, and nowhere else (the rules and the package both call this module).

A trained model is named by its model id, the part of its paths after `results/models/`, `results/predictions/`,
`results/analysis/` or `results/checkpoints/`; its first part is the encoder it was fine-tuned from (`models:`):

    initial       {encoder}/{recipe}/seed{seed}/lr{lr}                     electra_small/snli_mnli/seed1/lr0.0015
    final         {encoder}/final/{selection}/final_lr{final_lr}/{recipe}/seed{seed}/lr{lr}
    adversarial   {encoder}/adversarial/{attack}/snli/seed{seed}/lr{lr}    electra_small/adversarial/gradient/snli/...

The attack set a retrained model trains on lives in `results/attack_sets/{its model id}/`; the tables and figures
of one encoder under `results/tables/{encoder}/` and `results/figures/{encoder}/`.
Importing this module must stay instant (re and dataclasses only): Snakemake imports it while parsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from nlirobust.names import ATTACKS, RESERVED_ENCODER_NAMES, SELECTIONS, STAGE_DATASETS


def _one_of(names: tuple[str, ...]) -> str:
    """A regular expression matching exactly one of `names` (longest first, so none stops at a shorter one)."""
    return "(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + ")"


RECIPE_PATTERN = rf"{_one_of(STAGE_DATASETS)}(?:_{_one_of(STAGE_DATASETS)})*"
# an encoder's name (`models[].name`): letters, digits, - and _, none of the folder names it would stand beside
ENCODER_PATTERN = rf"(?!{_one_of(RESERVED_ENCODER_NAMES)}(?:/|$))[A-Za-z0-9][A-Za-z0-9_-]*"
SEED_PATTERN = r"\d+"
LR_PATTERN = r"[0-9.e+-]+"
FINAL_LR_PATTERN = LR_PATTERN + "|from_schedule"
SELECTION_PATTERN = _one_of(SELECTIONS)
ATTACK_PATTERN = _one_of(ATTACKS)

_INITIAL = rf"{RECIPE_PATTERN}/seed{SEED_PATTERN}/lr{LR_PATTERN}"
_FINAL_PREFIX = rf"final/{SELECTION_PATTERN}/final_lr(?:{FINAL_LR_PATTERN})/"
_ADVERSARIAL_PREFIX = rf"adversarial/(?:{ATTACK_PATTERN})/"
# Wildcard constraints: any model id, and the ones evaluated by evaluate_model (final ones are evaluated in
# their final_tune job).
MODEL_PATTERN = rf"{ENCODER_PATTERN}/(?:{_FINAL_PREFIX}|{_ADVERSARIAL_PREFIX})?{_INITIAL}"
NON_FINAL_MODEL_PATTERN = rf"{ENCODER_PATTERN}/(?:{_ADVERSARIAL_PREFIX})?{_INITIAL}"

_RUN = re.compile(
    rf"(?:^|/)(?P<encoder>{ENCODER_PATTERN})/"
    rf"(?:final/(?P<selection>{SELECTION_PATTERN})/final_lr(?P<final_lr>{FINAL_LR_PATTERN})/"
    rf"|adversarial/(?P<attack>{ATTACK_PATTERN})/)?"
    rf"(?P<recipe>{RECIPE_PATTERN})/seed(?P<seed>{SEED_PATTERN})/lr(?P<lr>{LR_PATTERN})(?=/|$)"
)


def _path(recipe: str, seed: int | str, lr: str) -> str:
    return f"{recipe}/seed{seed}/lr{lr}"


def run_id(encoder: str, recipe: str, seed: int | str, lr: str) -> str:
    """electra_small/snli/seed1/lr0.0015 (`lr` as it appears in paths: `nlirobust.names.lr_name`, or a wildcard)."""
    return f"{encoder}/{_path(recipe, seed, lr)}"


def final_id(encoder: str, selection: str, final_lr: str, recipe: str, seed: int | str, lr: str) -> str:
    return f"{encoder}/final/{selection}/final_lr{final_lr}/{_path(recipe, seed, lr)}"


def adversarial_id(encoder: str, attack: str, seed: int | str, lr: str) -> str:
    """The model retrained on the attack set built from the `snli` baseline of this seed and learning rate."""
    return f"{encoder}/adversarial/{attack}/{_path('snli', seed, lr)}"


def model_dir(model: str) -> str:
    return f"results/models/{model}"


def checkpoint_dir(model: str) -> str:
    return f"results/checkpoints/{model}"


# Finished final tunes, kept under their fingerprint (nlirobust/training/run_cache.py).
RUN_CACHE = "results/cache/final_tune"


def predictions_file(model: str, evalset: str, ext: str = "parquet") -> str:
    return f"results/predictions/{model}/{evalset}.{ext}"


def llm_file(evalset: str, ext: str = "parquet") -> str:
    """The LLM's answers on a set (one file per set, for no model in particular)."""
    return f"results/analysis/llm/{evalset}.{ext}"


def llm_evalset_of(path: str | Path) -> str:
    """snli/test for results/analysis/llm/snli/test.parquet."""
    return Path(path).as_posix().split("analysis/llm/")[-1].rsplit(".", 1)[0]


def attack_dir(encoder: str, attack: str, seed: int | str, lr: str) -> str:
    """Where the attack set built from the `snli` baseline of a seed and learning rate lives: beside the model
    retrained on it (its model id)."""
    return f"results/attack_sets/{adversarial_id(encoder, attack, seed, lr)}"


def tables_dir(encoder: str) -> str:
    """One encoder's tables (every study's, per run or over its seeds)."""
    return f"results/tables/{encoder}"


def figures_dir(encoder: str) -> str:
    return f"results/figures/{encoder}"


_TABLES = re.compile(rf"(?:^|/)results/tables/(?P<encoder>{ENCODER_PATTERN})/")


def tables_encoder(path: str | Path) -> str | None:
    """The encoder whose tables folder (tables_dir) holds `path`, or None for a file outside every one."""
    match = _TABLES.search(Path(path).as_posix())
    return match["encoder"] if match else None


@dataclass(frozen=True)
class Run:
    """A run as read back from any path that contains its model id (or an attack set's folder)."""

    encoder: str
    recipe: str
    seed: int
    lr: str
    selection: str | None = None
    final_lr: str | None = None
    attack: str | None = None

    @property
    def kind(self) -> str:
        return "final" if self.selection else "adversarial" if self.attack else "initial"

    @property
    def model(self) -> str:
        if self.selection:
            return final_id(self.encoder, self.selection, self.final_lr, self.recipe, self.seed, self.lr)
        if self.attack:
            return adversarial_id(self.encoder, self.attack, self.seed, self.lr)
        return run_id(self.encoder, self.recipe, self.seed, self.lr)

    def key(self) -> dict:
        """recipe, seed and learning rate (a float) as table columns: the key within one encoder's tables (a
        table job reads one encoder's runs; `one_encoder` refuses a mix)."""
        return {"recipe": self.recipe, "seed": self.seed, "lr": float(self.lr)}

    def final_key(self) -> dict:
        """selection and final learning rate (as named in paths), None for a run that is not a final tuning."""
        return {"selection": self.selection, "final_lr": self.final_lr}


def _match(path: str | Path) -> re.Match:
    match = _RUN.search(Path(path).as_posix())
    if match is None:
        raise ValueError(f"{path}: not a run path (expected .../{{encoder}}/{{recipe}}/seed{{seed}}/lr{{lr}}/...)")
    return match


def parse_run(path: str | Path) -> Run:
    """The run a path belongs to: results/models/final/all_epochs/final_lr1e-05/snli/seed1/lr0.0015/run.json, ..."""
    match = _match(path)
    return Run(
        encoder=match["encoder"],
        recipe=match["recipe"],
        seed=int(match["seed"]),
        lr=match["lr"],
        selection=match["selection"],
        final_lr=match["final_lr"],
        attack=match["attack"],
    )


def one_encoder(paths: list[str | Path]) -> str | None:
    """The one encoder whose runs `paths` hold (None for no path); several are refused: a table over seeds must
    never mix encoders."""
    encoders = sorted({parse_run(path).encoder for path in paths})
    if len(encoders) > 1:
        raise ValueError(f"runs of {len(encoders)} encoders ({', '.join(encoders)}) given to one per-encoder table")
    return encoders[0] if encoders else None


def evalset_of(path: str | Path) -> str:
    """The evaluation set a per-set file of a run belongs to: snli/test for
    results/predictions/{model}/snli/test.parquet or results/analysis/{model}/snli/test/errors.csv."""
    rest = Path(path).as_posix()[_match(path).end() :].strip("/")
    for suffix in ("/errors.csv", "/projection.parquet", ".parquet", ".json"):
        rest = rest.removesuffix(suffix)
    return rest


def leakage_file(source: str) -> str:
    """results/data/leakage/snli/train.jsonl: the pairs scored sets share with a training source (data_overlap)."""
    return f"results/data/leakage/{source}.jsonl"
