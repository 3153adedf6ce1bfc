"""One-hot vs label encoding of a nominal and an ordinal feature, and what each does to a model

Course notes: 이동일, "DL 딥러닝 CNN까지 다시 개념 익히기" (velog, 2023) (범주형 데이터: nominal
data such as country names, whose categories have no order; ordinal data such as grades or service
satisfaction, whose categories do; models take numbers, so categories are encoded first: one-hot or
label encoding).

Generated customers (from --seed) have a country (8, nominal) and a satisfaction level (5,
ordinal: very dissatisfied < dissatisfied < neutral < satisfied < very satisfied). Their
monthly spend is 60 + COUNTRY_EFFECT[country] + 10 * rank(satisfaction) + N(0, 5) noise, the
country effects in no order of the names. `keras.layers.StringLookup` encodes the categories
one-hot, or as codes scaled to [0, 1], in four variants (country - satisfaction), each a run:

  onehot-onehot    both one-hot: 8 + 5 inputs
  label-ordinal    country as an alphabetical label code (like sklearn's LabelEncoder): the
                   model must carve 8 unrelated effects out of one number line
  onehot-label     satisfaction as an alphabetical label code: its order is scrambled
  onehot-ordinal   country one-hot, satisfaction as its rank 0..4 (the textbook choice)

Each trains Dense(8, relu) -> Dense(1) (mse on the standardized spend) on one 70/15/15 split
and reports validation and test MAE in spend units; the noise alone gives a perfect model
5 * sqrt(2 / pi) = 3.99. Expect one-hot and ordinal codes near that floor, about 3x the error
for a label-coded country, about 2x for a scrambled order. The notes give no numbers; the last
run records the comparison (the last line) and encoding.png: what each model learned.

Run it:

    make recipe NAME=encoding
    make recipe NAME=encoding ARGS="--epochs 30 --seed 1"
"""

from collections.abc import Iterable

import keras
import numpy as np
from matplotlib.figure import Figure

from keras_dl import build_dense_model, infer_task, recipe, train_val_test_split

DATASET = "synthetic-customers"
CLAIM = recipe.BookFigure(
    "test MAE by encoding (country-satisfaction)",
    "one-hot codes for nominal data, ordinal codes for ordered levels",
    DATASET,
    '"범주형 데이터"',
    band="lowest: onehot-ordinal; highest: a label-coded country",
    origin="notes",
)
COUNTRY_EFFECT = {  # spend above or below the base, in no order of the names
    "Brazil": 15.0, "Canada": -10.0, "France": 20.0, "Germany": -15.0,
    "India": 5.0, "Japan": -5.0, "Kenya": 25.0, "Mexico": -20.0,
}  # fmt: skip
SATISFACTION = ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied")
SATISFACTION_SHARE = (0.1, 0.2, 0.3, 0.25, 0.15)
BASE_SPEND, SPEND_PER_LEVEL, NOISE = 60.0, 10.0, 5.0
NOISE_FLOOR = NOISE * np.sqrt(2 / np.pi)  # the MAE of a perfect model
NUM_CUSTOMERS = 1200

# variant -> (country encoding, satisfaction encoding); the recommended one last.
VARIANTS = {
    "onehot-onehot": ("onehot", "onehot"),
    "label-ordinal": ("label", "ordinal"),
    "onehot-label": ("onehot", "label"),
    "onehot-ordinal": ("onehot", "ordinal"),
}
RECOMMENDED = "onehot-ordinal"
HIDDEN_UNITS = (8,)
LEARNING_RATE = 0.01


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Train the same small model on four encodings of the same customers; the exit status."""
    args = recipe.parser(__doc__, epochs=10, batch_size=16).parse_args(argv)

    # 1. Data: names and levels as strings, as they would come from a form or a CSV.
    country, satisfaction, spend = generate_customers(NUM_CUSTOMERS, args.seed)
    spend = spend.astype("float32")
    # The same rows go to train / val / test in every variant: split the row numbers once.
    split = train_val_test_split(np.arange(NUM_CUSTOMERS), spend, seed=args.seed)
    print(f"{DATASET}: {NUM_CUSTOMERS} customers; split: {split}")
    (train_rows, y_train), (val_rows, y_val) = split.train, split.val
    test_rows, y_test = split.test
    # Standardize the target on the training part; MAEs are reported back in spend units.
    mean, std = float(y_train.mean()), float(y_train.std())
    task = infer_task(y_train)  # float targets: regression, a linear head

    grid_country, grid_level = np.meshgrid(sorted(COUNTRY_EFFECT), SATISFACTION, indexing="ij")
    runs, results, learned = [], {}, {}
    for variant, (country_how, satisfaction_how) in VARIANTS.items():
        with recipe.start("encoding", args, dataset=DATASET, variant=variant) as run:
            # 2. Encode: the same rows, a different encoding; then the same model on each.
            x = features(country, satisfaction, variant)
            model = build_dense_model(
                x.shape[1],
                task.task,
                hidden_units=HIDDEN_UNITS,
                optimizer="adam",
                learning_rate=LEARNING_RATE,
                name=f"spend_{variant.replace('-', '_')}",
            )
            history = run.fit(
                model,
                x[train_rows],
                (y_train - mean) / std,
                validation_data=(x[val_rows], (y_val - mean) / std),
                epochs=args.epochs,
                batch_size=args.batch_size,
                verbose=0,
            )

            # 3. Score in spend units, and ask what the model predicts for every category pair.
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
            # The last variant completes the picture of all four.
            if len(results) == len(VARIANTS) and not args.no_plots:
                test_mae = {name: result["test_mae"] for name, result in results.items()}
                run.save_figure(encoding_figure(learned, test_mae), "encoding.png")
            run.finish(
                history=history,
                metrics={
                    **results[variant],
                    "encodings": {"country": country_how, "satisfaction": satisfaction_how},
                    "target_scaling": {"mean": mean, "std": std},
                    "noise_floor_mae": NOISE_FLOOR,
                    "sizes": split.sizes,
                },
                result=run.result(f"test MAE ({variant})", results[variant]["test_mae"]),
                title=f"encoding {variant} (loss: mse on the standardized spend)",
            )
            runs.append(run)

    recipe.print_table(
        [{"variant": name, **result} for name, result in results.items()],
        title="test MAE in spend units",
    )
    print(f"noise floor (a perfect model): {NOISE_FLOOR:.2f}")
    # The notes' claim is about the four runs together: recorded with their overlay.
    claim = compare_encodings(results, smoke=args.quick)
    recipe.overlay(runs, metric="val_loss", claim=claim)
    print(claim.line())
    return 0


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


def predict_spend(model: keras.Model, x: np.ndarray, mean: float, std: float) -> np.ndarray:
    """The model's predictions, turned back from the standardized target into spend."""
    return keras.ops.convert_to_numpy(model(x, training=False))[:, 0] * std + mean


def mae(predicted: np.ndarray, target: np.ndarray) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(predicted - target)))


def compare_encodings(results: dict[str, dict], *, smoke: bool = False) -> recipe.Result:
    """The claim over all variants: the recommended encoding best, a label-coded country worst."""
    test_mae = {variant: result["test_mae"] for variant, result in results.items()}
    labelled = [v for v in test_mae if VARIANTS[v][0] == "label"]
    comparisons = [  # the recommended encoding below every other one ...
        recipe.Comparison(RECOMMENDED, test_mae[RECOMMENDED], other, value, "lower")
        for other, value in test_mae.items()
        if other != RECOMMENDED
    ]
    comparisons += [  # ... and each label-coded country above every one-hot coded one
        recipe.Comparison(label, test_mae[label], other, value, "higher")
        for label in labelled
        for other, value in test_mae.items()
        if other not in labelled and other != RECOMMENDED
    ]
    return recipe.Result(
        CLAIM.metric,
        ", ".join(f"{variant} {value:.2f}" for variant, value in test_mae.items()),
        DATASET,
        CLAIM,
        comparisons=tuple(comparisons),
        smoke=smoke,
    )


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
    bars.axvline(NOISE_FLOOR, color="k", ls="--", label=f"noise floor {NOISE_FLOOR:.2f}")
    bars.set(title="test MAE (spend)", xlim=(0, max(test_mae.values()) * 1.25))
    bars.invert_yaxis()
    for ax in (by_country, by_level, bars):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("the same customers, four encodings (legend: country - satisfaction encoding)")
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
