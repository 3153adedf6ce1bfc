"""One-hot vs label encoding of a nominal and an ordinal feature, and what each does to a model

Course notes seeds/001_0dbc437b24f32d29.txt (범주형 데이터: nominal data such as country names,
whose categories have no order; ordinal data such as grades or service satisfaction, whose
categories do; models take numbers, so categories are encoded first: one-hot or label encoding).

Generated customers (from --seed): a nominal feature, `country` (8 countries), and an ordinal
one, `satisfaction` (very dissatisfied < dissatisfied < neutral < satisfied < very satisfied).
The target, a monthly spend, is

    spend = 60 + COUNTRY_EFFECT[country] + 10 * rank(satisfaction) + noise, noise ~ N(0, 5)

where the country effects go up and down in any order of the names, and spend grows by 10 per
satisfaction level. The categories are encoded with Keras preprocessing layers,
`keras.layers.StringLookup(output_mode="one_hot")` for one-hot and `output_mode="int"` for
label codes (scaled to [0, 1]), in four variants (country encoding - satisfaction encoding):

  onehot-onehot        both one-hot: 8 + 5 inputs;
  label-ordinal        country as a label code (alphabetical, like sklearn's LabelEncoder):
                       the model must carve 8 unrelated effects out of one number line;
  onehot-label         satisfaction as an alphabetical label code (dissatisfied, neutral,
                       satisfied, very dissatisfied, very satisfied): its order is scrambled;
  onehot-ordinal       country one-hot, satisfaction as its rank 0..4 in order: 8 + 1 inputs
                       (the textbook choice).

Each variant trains the same small model (Dense(8, relu) -> Dense(1), linear head, mse; the
target standardized on the training part) on one 70/15/15 split, and reports validation and
test MAE in spend units. The noise alone gives a perfect model a MAE of 5 * sqrt(2 / pi) =
3.99. What to expect: one-hot and ordinal both reach about the noise floor (the ordinal code
with 4 fewer inputs); a label-coded nominal feature costs about 3x the error; an ordinal feature
coded out of order costs about 2x. Each variant is a run (their val_loss curves are overlaid);
encoding.png, in the last run (onehot-ordinal), shows what each model learned per category.

The notes give no numbers; the last line gives the recommended encoding's test MAE.

Run it:

    make recipe NAME=encoding
    make recipe NAME=encoding ARGS="--epochs 30 --seed 1"
"""

from collections.abc import Iterable

import keras
import numpy as np
from matplotlib.figure import Figure

from keras_dl import build_dense_model, infer_task, train_val_test_split
from keras_dl.recipe import (
    Result,
    finish_recipe,
    overlay_runs,
    parse_recipe_args,
    recipe_main,
    recipe_parser,
    start_recipe,
)

DATASET = "synthetic-customers"
COUNTRY_EFFECT = {
    "Brazil": 15.0,
    "Canada": -10.0,
    "France": 20.0,
    "Germany": -15.0,
    "India": 5.0,
    "Japan": -5.0,
    "Kenya": 25.0,
    "Mexico": -20.0,
}
SATISFACTION = ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied")
SATISFACTION_SHARE = (0.1, 0.2, 0.3, 0.25, 0.15)
BASE_SPEND, SPEND_PER_LEVEL, NOISE = 60.0, 10.0, 5.0
NUM_CUSTOMERS = 1200

# variant -> (country encoding, satisfaction encoding)
VARIANTS = {
    "onehot-onehot": ("onehot", "onehot"),
    "label-ordinal": ("label", "ordinal"),
    "onehot-label": ("onehot", "label"),
    "onehot-ordinal": ("onehot", "ordinal"),  # the recommended one, last: it keeps the figure
}
RECOMMENDED = "onehot-ordinal"
HIDDEN_UNITS = (8,)
LEARNING_RATE = 0.01


def generate_customers(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(country names, satisfaction levels, spend) of n generated customers."""
    rng = np.random.default_rng(seed)
    country = rng.choice(list(COUNTRY_EFFECT), size=n)
    satisfaction = rng.choice(SATISFACTION, size=n, p=SATISFACTION_SHARE)
    return country, satisfaction, expected_spend(country, satisfaction) + rng.normal(0, NOISE, n)


def expected_spend(country: np.ndarray, satisfaction: np.ndarray) -> np.ndarray:
    """The spend without noise: what a perfect model predicts."""
    rank = np.array([SATISFACTION.index(level) for level in satisfaction])
    effect = np.array([COUNTRY_EFFECT[name] for name in country])
    return BASE_SPEND + effect + SPEND_PER_LEVEL * rank


def encode(values: np.ndarray, categories: Iterable[str], how: str) -> np.ndarray:
    """Encode category names with a StringLookup layer.

    how: "onehot" (one column per category), "ordinal" (the rank in the given order) or
    "label" (the rank in alphabetical order, like sklearn's LabelEncoder); codes are divided
    by (k - 1) to lie in [0, 1], like the one-hot columns.
    """
    if how not in ("onehot", "ordinal", "label"):
        raise ValueError(f"how={how!r}: expected 'onehot', 'ordinal' or 'label'")
    vocabulary = sorted(categories) if how == "label" else list(categories)
    mode = "one_hot" if how == "onehot" else "int"
    lookup = keras.layers.StringLookup(vocabulary=vocabulary, num_oov_indices=0, output_mode=mode)
    encoded = keras.ops.convert_to_numpy(lookup(values)).astype("float32")
    return encoded if how == "onehot" else encoded[:, None] / (len(vocabulary) - 1)


def features(country: np.ndarray, satisfaction: np.ndarray, variant: str) -> np.ndarray:
    """The model's inputs under `variant`: country columns, then satisfaction columns."""
    country_how, satisfaction_how = VARIANTS[variant]
    return np.concatenate(
        [
            encode(country, COUNTRY_EFFECT, country_how),
            encode(satisfaction, SATISFACTION, satisfaction_how),
        ],
        axis=1,
    )


def predict_spend(model: keras.Model, x: np.ndarray, mean: float, std: float) -> np.ndarray:
    """The model's predictions, turned back from the standardized target into spend."""
    return keras.ops.convert_to_numpy(model(x, training=False))[:, 0] * std + mean


def mae(predicted: np.ndarray, target: np.ndarray) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(predicted - target)))


def encoding_figure(learned: dict[str, np.ndarray], test_mae: dict[str, float]) -> Figure:
    """What each variant predicts per country and per satisfaction level (averaged over the
    other feature) beside the truth, and the test MAE of each variant."""
    countries = sorted(COUNTRY_EFFECT)  # the label codes' order, 0..7
    grid_country, grid_level = np.meshgrid(countries, SATISFACTION, indexing="ij")
    truth = expected_spend(grid_country.ravel(), grid_level.ravel()).reshape(grid_country.shape)
    fig = Figure(figsize=(16.0, 4.8), layout="constrained")
    by_country, by_level, bars = fig.subplots(1, 3, width_ratios=(1.2, 1.0, 0.9))
    by_country.plot(countries, truth.mean(axis=1), "ks", markersize=9, label="truth")
    by_level.plot(SATISFACTION, truth.mean(axis=0), "ks", markersize=9, label="truth")
    for variant, table in learned.items():
        by_country.plot(countries, table.mean(axis=1), "o-", label=variant)
        by_level.plot(SATISFACTION, table.mean(axis=0), "o-", label=variant)
    by_country.set(
        title="nominal: country (in label-code order)", ylabel="predicted spend, mean over levels"
    )
    by_level.set(title="ordinal: satisfaction (in its order)", ylabel="mean over countries")
    by_level.tick_params(axis="x", labelrotation=20)
    colors = [f"C{i}" for i in range(len(test_mae))]
    bars.barh(list(test_mae), list(test_mae.values()), color=colors)
    for i, value in enumerate(test_mae.values()):
        bars.text(value, i, f" {value:.2f}", va="center")
    floor = NOISE * np.sqrt(2 / np.pi)
    bars.axvline(floor, color="k", ls="--", label=f"noise floor {floor:.2f}")
    bars.set(title="test MAE (spend)", xlim=(0, max(test_mae.values()) * 1.25))
    bars.invert_yaxis()
    for ax in (by_country, by_level, bars):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("the same customers, four encodings (legend: country - satisfaction encoding)")
    return fig


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    args = parse_recipe_args(recipe_parser(__doc__, epochs=10, batch_size=16), argv)

    # 1. Data: names and levels as strings, as they would come from a form or a CSV.
    country, satisfaction, spend = generate_customers(NUM_CUSTOMERS, args.seed)
    spend = spend.astype("float32")
    # The same rows go to train / val / test in every variant: split the row numbers once.
    rows = np.arange(NUM_CUSTOMERS)
    split = train_val_test_split(rows, spend, seed=args.seed)
    print(f"{DATASET}: {NUM_CUSTOMERS} customers; split: {split}")
    (train_rows, y_train), (val_rows, y_val) = split.train, split.val
    test_rows, y_test = split.test
    # Standardize the target on the training part; MAEs are reported back in spend units.
    mean, std = float(y_train.mean()), float(y_train.std())
    task = infer_task(y_train)  # float targets: regression, a linear head

    grid_country, grid_level = np.meshgrid(sorted(COUNTRY_EFFECT), SATISFACTION, indexing="ij")
    runs, results, learned = [], {}, {}
    for variant in VARIANTS:
        with start_recipe("encoding", args, dataset=DATASET, variant=variant) as run:
            # 2. Encode: the same rows, a different encoding.
            country_how, satisfaction_how = VARIANTS[variant]
            x = features(country, satisfaction, variant)
            model = build_dense_model(
                x.shape[1],
                task.task,
                hidden_units=HIDDEN_UNITS,
                optimizer="adam",
                learning_rate=LEARNING_RATE,
                name=f"spend_{variant.replace('-', '_')}",
            )
            history = model.fit(
                x[train_rows],
                (y_train - mean) / std,
                validation_data=(x[val_rows], (y_val - mean) / std),
                epochs=args.epochs,
                batch_size=args.batch_size,
                verbose=0,
            )

            results[variant] = {
                "inputs": x.shape[1],
                "val_mae": mae(predict_spend(model, x[val_rows], mean, std), y_val),
                "test_mae": mae(predict_spend(model, x[test_rows], mean, std), y_test),
            }
            grid = features(grid_country.ravel(), grid_level.ravel(), variant)
            learned[variant] = predict_spend(model, grid, mean, std).reshape(grid_country.shape)
            print(
                f"{variant}: {x.shape[1]} inputs, val MAE {results[variant]['val_mae']:.2f}, "
                f"test MAE {results[variant]['test_mae']:.2f}"
            )
            if variant == RECOMMENDED and not args.no_plots:
                test_mae = {name: result["test_mae"] for name, result in results.items()}
                run.save_figure(encoding_figure(learned, test_mae), "encoding.png")
            finish_recipe(
                run,
                args,
                history=history.history,
                metrics={
                    **results[variant],
                    "encodings": {"country": country_how, "satisfaction": satisfaction_how},
                    "target_scaling": {"mean": mean, "std": std},
                    "noise_floor_mae": NOISE * np.sqrt(2 / np.pi),
                    "sizes": split.sizes,
                },
                title=f"encoding {variant} (loss: mse on the standardized spend)",
            )
            runs.append(run)

    print(f"\n{'variant':<16}{'inputs':>7}{'val MAE':>9}{'test MAE':>10}")
    for variant, r in results.items():
        print(f"{variant:<16}{r['inputs']:>7}{r['val_mae']:>9.2f}{r['test_mae']:>10.2f}")
    print(f"noise floor (a perfect model): {NOISE * np.sqrt(2 / np.pi):.2f}")
    overlay_runs("encoding", runs, args, metric="val_loss")
    recommended = results[RECOMMENDED]["test_mae"]
    print(Result("test MAE (one-hot country, ordinal satisfaction)", recommended, DATASET).line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
