"""Figures at the size of the paper grid (4 recipes x 5 seeds x 3 learning rates, 6 final-tuning choices), rendered
from synthetic tables of that shape: they must stay a readable size."""

import itertools

import numpy as np
import pandas as pd
from PIL import Image

from nlirobust.embedded.data import BREAKING_NLI_COUNTS
from nlirobust.plots import accuracy_before_after, data_maps, mistakes_by_category

RECIPES = ["snli", "snli_mnli", "mnli", "mnli_snli"]
SELECTIONS = ["all_epochs", "chaosnli_max60", "hard_to_learn", "ambiguous_map", "forgettable", "last_epoch"]
TABLE4 = {"snli": "2.7e-07", "snli_mnli": "2.6e-07", "mnli": "2.4e-07", "mnli_snli": "2e-07"}


def grid():
    rng = np.random.default_rng(0)
    for recipe, seed, lr, selection in itertools.product(RECIPES, range(5), [5e-5, 3e-5, 2e-5], SELECTIONS):
        for final_lr in (TABLE4[recipe], "from_schedule"):
            yield {"recipe": recipe, "seed": seed, "lr": lr, "selection": selection, "final_lr": final_lr}, rng


def size_of(path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def test_mistake_figures_at_the_paper_grid_stay_readable(tmp_path):
    rows, changes = [], []
    for key, rng in grid():
        for category, n in BREAKING_NLI_COUNTS.items():
            before = int(rng.integers(0, n))
            after = int(np.clip(before + rng.integers(-n // 5, n // 5 + 1), 0, n))
            rows.append(key | {"group": category, "examples": n, "mistakes": after, "mistakes_before": before,
                               "delta": after - before})  # fmt: skip
        before_acc = rng.uniform(0.2, 0.6)
        changes.append(key | {"accuracy_before": before_acc, "accuracy_after": before_acc + rng.uniform(-0.1, 0.3)})
    mistakes_by_category(pd.DataFrame(rows), RECIPES, tmp_path / "categories.png")
    accuracy_before_after(pd.DataFrame(changes), RECIPES, tmp_path / "accuracy.png")
    for name in ("categories", "accuracy"):
        width, height = size_of(tmp_path / f"{name}.png")
        assert 400 < width < 3600 and 300 < height < 2400, (name, width, height)  # one page, not a poster


def test_data_maps_of_half_a_million_examples(tmp_path):
    rng = np.random.default_rng(1)
    n = 550_000
    dynamics = pd.DataFrame(
        {
            "recipe": rng.choice(RECIPES, n),
            "seed": rng.choice(5, n),
            "lr": rng.choice([5e-5, 3e-5, 2e-5], n),
            "confidence": rng.uniform(0, 1, n),
            "variability": rng.uniform(0, 0.5, n),
            "correctness": rng.uniform(0, 1, n),
        }
    )
    data_maps(dynamics, RECIPES, tmp_path / "maps.png")
    width, height = size_of(tmp_path / "maps.png")
    assert width < 2400 and height < 1800


def saved_figures(monkeypatch) -> list:
    """Every matplotlib figure saved from now on (to inspect what a plotting function drew)."""
    import matplotlib.figure

    figures = []
    save = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(
        matplotlib.figure.Figure, "savefig", lambda fig, *a, **k: (figures.append(fig), save(fig, *a, **k))[1]
    )
    return figures


def assert_no_panel_runs_into_another(figure) -> None:
    """Each panel with its title and tick labels (its tight box) stays clear of every other panel's."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()  # the figure was closed after saving
    boxes = [ax.get_tightbbox(renderer) for ax in figure.axes if ax.get_visible() and ax.axison]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert overlap_x <= 1 or overlap_y <= 1, (a, b)


def test_epoch_overlap_and_error_flow_at_the_paper_grid_do_not_collide(tmp_path, monkeypatch):
    from nlirobust.plots import epoch_overlap, error_flow_bars

    rng = np.random.default_rng(3)
    subsets = ["1", "2", "3", "1,2", "1,3", "2,3", "1,2,3"]
    combinations = [
        {
            "recipe": recipe,
            "seed": seed,
            "lr": lr,
            "kind": "exactly",
            "epochs": subset,
            "count": int(rng.integers(1e3, 4e4)),
        }
        for recipe, seed, lr in itertools.product(RECIPES, range(5), [5e-5, 3e-5, 2e-5])
        for subset in subsets
    ]
    flows = [
        {"seed": seed, "lr": lr, "evalset": evalset, "subset": subset, "model": "retrained:gradient",
         "fixed": int(rng.integers(10, 200)), "introduced": int(rng.integers(10, 200)),
         "remaining": int(rng.integers(100, 900))}
        for seed, lr in itertools.product(range(5), [5e-5, 3e-5, 2e-5])
        for evalset in ("snli/validation", "snli/test", "attack/gradient/heldout", "attack/random/heldout")
        for subset in ("all", "negation", "ambiguity words", "long pairs")
    ]  # fmt: skip
    figures = saved_figures(monkeypatch)
    epoch_overlap(pd.DataFrame(combinations), RECIPES, tmp_path / "overlap.png")
    error_flow_bars(pd.DataFrame(flows), tmp_path / "flow.png")
    for figure in figures:
        assert_no_panel_runs_into_another(figure)
    for name in ("overlap", "flow"):
        width, height = size_of(tmp_path / f"{name}.png")
        assert width < 2400 and height < 2000, (name, width, height)


def test_learning_curves_of_fifteen_runs_name_each_learning_rate_once(tmp_path, monkeypatch):
    from nlirobust.plots import learning_curves

    rng = np.random.default_rng(2)
    steps, epochs = [], []
    for seed, lr in itertools.product(range(5), [5e-5, 3e-5, 2e-5]):
        for step in range(1, 301):
            steps.append({"recipe": "snli", "seed": seed, "lr": lr, "epoch": step / 100, "loss": 1.1 / step**0.2})
        for epoch in (1, 2, 3):
            epochs.append({"recipe": "snli", "seed": seed, "lr": lr, "epoch": epoch,
                           "eval_loss": 0.6 - 0.05 * epoch + rng.normal(0, 0.01),
                           "eval_accuracy": 0.8 + 0.02 * epoch + rng.normal(0, 0.005)})  # fmt: skip
    figures = saved_figures(monkeypatch)
    learning_curves(pd.DataFrame(steps), pd.DataFrame(epochs), "snli", tmp_path / "curves.png")
    legends = [ax.get_legend() for ax in figures[0].axes]
    labels = [[t.get_text() for t in legend.get_texts()] for legend in legends if legend is not None]
    assert sorted(len(entries) for entries in labels) == [2, 3]  # line styles; one entry a learning rate
    assert "lr 5e-05 (5 seed(s))" in labels[1]
    width, height = size_of(tmp_path / "curves.png")
    assert width < 1600 and height < 600


def two_rate_grid():
    """2 recipes x 2 seeds x 2 initial learning rates, where one rate collapsed (33%) and the other learned (90%)."""
    for recipe, seed, lr in itertools.product(["snli", "mnli"], (1, 2), (1e-3, 5e-4)):
        yield {"recipe": recipe, "seed": seed, "lr": lr}, (0.90 if lr == 5e-4 else 0.33) + 0.01 * seed


def test_figures_keep_learning_rates_apart(tmp_path, monkeypatch):
    """Every bar or cell is one (recipe, initial learning rate): its value is the mean over that rate's seeds,
    never a mean of two rates (which would draw 61% with an sd bar of 30 points for rates at 33% and 90%)."""
    from nlirobust.plots import error_flow_bars

    changes, deltas, flows = [], [], []
    for key, accuracy in two_rate_grid():
        run = key | {"selection": "all_epochs", "final_lr": "1e-05"}
        changes.append(run | {"accuracy_before": accuracy, "accuracy_after": accuracy})
        mistakes = round(100 * (1 - accuracy))
        deltas.append(run | {"group": "colors", "examples": 100, "mistakes": mistakes, "delta": mistakes})
        flows.append({"evalset": "snli/test", "subset": "all", "model": "retrained:gradient", "seed": key["seed"],
                      "lr": key["lr"], "fixed": mistakes, "introduced": 1, "remaining": 2})  # fmt: skip
    expected = pd.DataFrame(changes).groupby(["recipe", "lr"])["accuracy_before"].mean()
    figures = saved_figures(monkeypatch)
    accuracy_before_after(pd.DataFrame(changes), ["snli", "mnli"], tmp_path / "accuracy.png")
    heights = sorted(round(p.get_height(), 6) for p in figures[0].axes[0].patches)
    assert heights == sorted(round(100 * v, 6) for v in expected.tolist() * 2)  # before and after bars
    mistakes_by_category(pd.DataFrame(deltas), ["snli", "mnli"], tmp_path / "categories.png")
    cells = figures[1].axes[0].images[0].get_array()
    expected_delta = pd.DataFrame(deltas).groupby(["recipe", "lr"])["delta"].mean()
    assert sorted(np.asarray(cells).ravel().tolist()) == sorted(expected_delta.tolist())
    error_flow_bars(pd.DataFrame(flows), tmp_path / "flow.png")
    fixed_bars = [p.get_height() for p in figures[2].axes[0].patches[:2]]
    expected_fixed = pd.DataFrame(flows).groupby("lr", sort=False)["fixed"].mean().tolist()
    assert fixed_bars == expected_fixed
    labels = [t.get_text() for t in figures[2].axes[0].get_xticklabels()]
    assert labels == ["retrained\ngradient\nlr 0.001", "retrained\ngradient\nlr 0.0005"]
    assert "mean ± sd over seeds" in figures[2].axes[0].get_ylabel()
