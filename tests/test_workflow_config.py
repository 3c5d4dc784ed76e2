"""Configuration derived from configuration, tested without starting Snakemake."""

import pytest
import yaml
from workflow_helpers import REPO

from nlirobust.config_checks import final_rates_problem, workflow_problem
from nlirobust.workflow_config import (
    analysis_kinds,
    evaluation_sets,
    final_learning_rates,
    in_distribution_sets,
    model_ids,
    retrain_attacks,
    training_sources,
)


@pytest.fixture
def paper() -> dict:
    return yaml.safe_load((REPO / "config/config.yaml").read_text())


def test_evaluation_sets_add_what_the_studies_need_once(paper):
    paper["evaluation"]["sets"] = ["mnli/validation_matched"]
    assert evaluation_sets(paper)[:3] == ["mnli/validation_matched", "breaking_nli/test", "hans/test"]  # challenges
    paper["evaluation"].pop("challenge_sets")
    assert evaluation_sets(paper) == ["mnli/validation_matched", "breaking_nli/test", "snli/validation", "snli/test"]
    paper.pop("adversarial")
    paper.pop("analysis")
    assert evaluation_sets(paper) == ["mnli/validation_matched", "breaking_nli/test"]
    assert in_distribution_sets(paper) == ["mnli/validation_matched"]


def test_final_rates_as_a_grid_or_per_recipe(paper):
    assert final_learning_rates(paper, "snli_mnli") == ["2.6e-07", "from_schedule"]
    paper["mistakes"]["final_learning_rates"] = [1e-4, "from_schedule"]
    assert final_learning_rates(paper, "mnli") == ["0.0001", "from_schedule"]
    paper["mistakes"]["final_learning_rates"] = {"snli": [1e-7]}
    assert "no rates for recipe 'snli_mnli'" in final_rates_problem(paper)


def test_one_enumeration_of_every_model(paper):
    paper["seeds"], paper["learning_rates"] = [1, 2], [5e-5]
    initial = model_ids(paper, ["initial"])
    assert initial[:2] == ["electra-small/snli/seed1/lr5e-05", "electra-small/snli/seed2/lr5e-05"]
    assert len(initial) == 4 * 2
    final = model_ids(paper, ["final"])
    assert len(final) == 1 * 4 * 2 * 2  # selections x recipes x (Table 4 rate + from_schedule) x seeds
    assert "electra-small/final/all_epochs/final_lr2.4e-07/mnli/seed2/lr5e-05" in final
    assert model_ids(paper, ["adversarial"]) == [
        "electra-small/adversarial/gradient/snli/seed1/lr5e-05",
        "electra-small/adversarial/gradient/snli/seed2/lr5e-05",
    ]
    assert model_ids(paper) == initial + final + model_ids(paper, ["adversarial"])


def test_each_encoder_fans_out_over_its_own_rates_and_settings(paper):
    from nlirobust.workflow_config import encoders, learning_rates

    paper["seeds"], paper["learning_rates"] = [1], [5e-5]
    paper["models"] = [
        {"name": "electra-small", "name_or_path": "google/electra-small-discriminator"},
        {
            "name": "roberta-base",
            "name_or_path": "FacebookAI/roberta-base",
            "max_length": 256,
            "learning_rates": [1e-5, 2e-5],
            "final_learning_rates": [1e-6],
            "training": {"batch_size": 16},
        },
    ]
    electra, roberta = encoders(paper)
    assert (electra["max_length"], electra["training"]["batch_size"]) == (128, 8)  # inherited
    assert (roberta["max_length"], roberta["training"]["batch_size"]) == (256, 16)
    assert roberta["training"]["epochs"] == paper["training"]["epochs"]
    assert learning_rates(paper, roberta) == ["1e-05", "2e-05"] and learning_rates(paper, electra) == ["5e-05"]
    initial = model_ids(paper, ["initial"])
    assert len(initial) == 4 + 4 * 2 and "roberta-base/mnli_snli/seed1/lr2e-05" in initial
    assert model_ids(paper, ["initial"], "roberta-base") == [m for m in initial if m.startswith("roberta-base/")]
    final = model_ids(paper, ["final"], "roberta-base")
    assert final == [f"roberta-base/final/all_epochs/final_lr1e-06/{r}/seed1/lr{lr}" for r in paper["recipes"]
                     for lr in ("1e-05", "2e-05")]  # fmt: skip


@pytest.mark.parametrize(
    "name_or_path, name",
    [
        ("google/electra-small-discriminator", "electra-small-discriminator"),
        ("/data/models/my_bert/", "my_bert"),
        ("embedded", "embedded"),
        ("someone/final", "model-final"),  # a folder name of results/ is never an encoder's
    ],
)
def test_a_lone_model_block_is_a_one_encoder_sweep_named_after_its_model(paper, name_or_path, name):
    from nlirobust.workflow_config import encoder_names

    paper.pop("models")
    paper["model"] = {"name_or_path": name_or_path}
    assert encoder_names(paper) == [name]
    assert model_ids(paper, ["initial"])[0].startswith(f"{name}/snli/seed")


def test_adversarial_models_only_with_the_study(paper):
    paper["adversarial"]["retrain_attacks"] = ["random"]
    paper["adversarial"]["attacks"] = ["gradient"]
    assert "not among adversarial.attacks" in workflow_problem(paper)
    paper.pop("adversarial")
    assert retrain_attacks(paper) == [] and model_ids(paper, ["adversarial"]) == []
    assert analysis_kinds(paper) == ["initial"]


def test_training_sources_follow_the_selections(paper):
    assert set(training_sources(paper)) == {"snli/train", "mnli/train"}
    paper["mistakes"]["selections"] = ["all_epochs", "chaosnli_max60"]
    assert set(training_sources(paper)) == {"snli/train", "mnli/train", "chaosnli/snli", "chaosnli/mnli_m"}
    paper["mistakes"]["selections"] = ["all_epochs", "snli_low_agreement"]
    paper["mistakes"]["low_agreement"] = {"source": "snli_train"}
    assert set(training_sources(paper)) == {"snli/train", "mnli/train"}


def test_hans_is_optional_and_its_evaluation_set_needs_its_source(paper):
    from nlirobust.workflow_config import datasets

    assert "hans" in datasets(paper)
    paper["data"].pop("hans")
    paper["evaluation"]["sets"] = [s for s in paper["evaluation"]["sets"] if s != "hans/test"]
    paper["evaluation"]["challenge_sets"] = ["breaking_nli/test"]
    assert "hans" not in datasets(paper)
    paper["evaluation"]["challenge_sets"].append("hans/test")  # a challenge set is scored too: it needs its data
    assert workflow_problem(paper).startswith("config: evaluation.challenge_sets names hans/test, but data.hans is not")
    paper["evaluation"]["challenge_sets"].pop()
    paper["evaluation"]["sets"].append("hans/test")
    assert workflow_problem(paper).startswith("config: evaluation.sets names hans/test, but data.hans is not")
