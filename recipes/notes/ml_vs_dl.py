"""Machine learning before deep learning: SVM, trees, forests and boosting against a Dense net

Course notes: ingu627, "[케라스(keras) 이해] 1장. 딥러닝이란 무엇인가" (blog, 2021) (1_2 "딥러닝
이전: 머신 러닝의 간략한 역사": support vector machines, decision trees, random forests, gradient
boosting machines; "Training, Validation and Test": the training set fits a model, the validation
set compares models, and the test set measures the chosen model once, at the end). Deep Learning
with Python ch. 1.2.

On one stratified 70/15/15 split of each dataset (standardized on the training part), five
families are fitted on the training part: an RBF SVM (C 1 or 10), a decision tree (max_depth 5,
10 or None), a random forest (200 trees, max_features sqrt or 0.3), gradient boosting
(HistGradientBoostingClassifier, 50 rounds, learning_rate 0.1 or 0.3) and a Dense net
(build_dense_model with the head infer_task picks, hidden_units (64,) or (128, 64), rmsprop).
Each family's setting is chosen on validation accuracy alone. Only then is the test set
unsealed (`SealedTestSet.open()` hands it out once) and every chosen model measured on it.
Each dataset is a run: its table of validation and test accuracy and fit time, and
ml_vs_dl.png. Datasets: digits (1,797 8x8 images, 10 classes), breast_cancer (569 x 30, 2).

The notes give no numbers. Expect the SVM, the forest, boosting and the Dense net within a few
points of each other (about 0.97-0.99 on digits; 0.94-1.00 on breast_cancer, whose 86 test
samples move accuracy in steps of 0.012) and the single tree behind (about 0.86 / 0.93).

Run it:

    make recipe NAME=ml_vs_dl
    make recipe NAME=ml_vs_dl ARGS="--dataset digits --epochs 40"
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import keras
import numpy as np
from matplotlib.figure import Figure
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from keras_dl import build_dense_model, infer_task, recipe
from keras_dl.datasets import load_table

DATASETS = ("digits", "breast_cancer")
# family -> (estimator class, the settings tried); tree models also get random_state=seed.
SKLEARN_GRIDS = {
    "SVM (RBF kernel)": (SVC, [{"C": 1.0}, {"C": 10.0}]),
    "decision tree": (DecisionTreeClassifier, [{"max_depth": d} for d in (5, 10, None)]),
    "random forest": (
        RandomForestClassifier,
        [{"n_estimators": 200, "max_features": f} for f in ("sqrt", 0.3)],
    ),
    "gradient boosting": (
        HistGradientBoostingClassifier,
        [{"max_iter": 50, "learning_rate": rate} for rate in (0.1, 0.3)],
    ),
}
DENSE_NET = "Dense net"
DENSE_GRID = [{"hidden_units": (64,)}, {"hidden_units": (128, 64)}]


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Compare the five families on each dataset; returns the exit status."""
    # The flags: --dataset breast_cancer, wine or both (each dataset a run of its own).
    args = recipe.parser(
        __doc__, epochs=20, batch_size=32, datasets=("both", *DATASETS)
    ).parse_args(argv)

    # On each dataset, one split: the four classic families and the Dense net fit on the
    # training part, each chooses its settings on the validation part alone, and only then
    # is the sealed test set opened, once, for all of them (compare_on).
    tables, results = {}, []
    for dataset in DATASETS if args.dataset == "both" else (args.dataset,):
        tables[dataset], result = compare_on(dataset, args)
        results.append(result)

    # Side by side: each family's chosen settings, validation and test accuracy, and time.
    print_summary(tables)
    for result in results:
        print(result.line())
    return 0


def compare_on(dataset: str, args: argparse.Namespace) -> tuple[dict, recipe.Result]:
    """Select each family on validation, test the chosen models once, record one run.

    Returns the table of chosen models and the run's result (every family's test accuracy).
    """
    data = load_table(dataset, quick=args.quick, seed=args.seed)
    test_set = SealedTestSet(*data.test)
    print(f"\n{data}")

    with recipe.start("ml_vs_dl", args, dataset=data.name, variant=dataset) as run:
        # 1. Fit every setting on the training part and keep each family's best on validation.
        chosen, tried = {}, {}
        for family, (_, grid) in SKLEARN_GRIDS.items():
            fits = [fit_sklearn(family, params, data.train, data.val, args.seed) for params in grid]
            chosen[family], tried[family] = choose_on_validation(fits), fits
        fits = [fit_dense(run, params, data.train, data.val, args) for params in DENSE_GRID]
        chosen[DENSE_NET], tried[DENSE_NET] = choose_on_validation(fits), fits

        # 2. Every choice is made. Now, and only now, open the test set: once, for all.
        x_test, y_test = test_set.open()
        table = {
            family: {
                "params": fitted.params,
                "val_accuracy": fitted.val_accuracy,
                "test_accuracy": accuracy(fitted.model, x_test, y_test),
                "fit_time_s": fitted.fit_time_s,
                "tried": [
                    {"params": f.params, "val_accuracy": f.val_accuracy} for f in tried[family]
                ],
            }
            for family, fitted in chosen.items()
        }
        recipe.print_table(
            [
                {
                    "model": family,
                    "chosen setting": setting_text(row["params"]),
                    "val acc": row["val_accuracy"],
                    "test acc": row["test_accuracy"],
                    "fit s": row["fit_time_s"],
                }
                for family, row in table.items()
            ]
        )
        if not args.no_plots:
            run.save_figure(results_figure(dataset, table), "ml_vs_dl.png")
        # The notes publish no number: the result is reported, never judged.
        result = run.result(
            "test accuracy",
            ", ".join(
                f"{family.split(' (')[0]} {row['test_accuracy']:.3f}"
                for family, row in table.items()
            ),
        )
        run.finish(
            history=chosen[DENSE_NET].history,
            metrics={
                "models": table,
                "best_on_validation": max(table, key=lambda f: table[f]["val_accuracy"]),
                "sizes": data.sizes,
            },
            result=result,
            title=f"ml_vs_dl: the chosen Dense net on {dataset}",
        )
    return table, result


class SealedTestSet:
    """The test part of the split, sealed: `open()` hands it out once and refuses after that,
    so no model choice can ever look at it."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        """Seal (x, y), unopened."""
        self._data = (x, y)
        self.opened = False

    def open(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (x_test, y_test), the first and only time."""
        if self.opened:
            raise RuntimeError("the test set was already used: it measures the chosen models once")
        self.opened = True
        return self._data


@dataclass
class Fitted:
    """One fitted setting of a family: the model, its validation accuracy and fit time."""

    family: str
    params: dict
    model: object
    val_accuracy: float
    fit_time_s: float
    history: dict = field(default_factory=dict)


def fit_sklearn(
    family: str,
    params: dict,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    seed: int,
) -> Fitted:
    """Fit one scikit-learn setting on the training part; score it on the validation part."""
    estimator_class, _ = SKLEARN_GRIDS[family]
    if estimator_class is not SVC:
        params = {**params, "random_state": seed}
    model = estimator_class(**params)
    start = time.perf_counter()
    model.fit(*train)
    fit_time = time.perf_counter() - start
    return Fitted(family, params, model, accuracy(model, *val), fit_time)


def fit_dense(
    run: recipe.RecipeRun,
    params: dict,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    args: argparse.Namespace,
) -> Fitted:
    """Fit one Dense-net setting through the run (its epochs in fits/dense-<units>.csv); the
    head (sigmoid or softmax) comes from infer_task."""
    info = infer_task(train[1])
    model = build_dense_model(train[0].shape[1], info.task, num_classes=info.num_classes, **params)
    start = time.perf_counter()
    history = run.fit(
        model,
        *train,
        validation_data=val,
        epochs=args.epochs,
        batch_size=args.batch_size,
        verbose=0,
        log="dense-" + "-".join(map(str, params["hidden_units"])),
    )
    fit_time = time.perf_counter() - start
    return Fitted(DENSE_NET, params, model, accuracy(model, *val), fit_time, history.history)


def choose_on_validation(tried: list[Fitted]) -> Fitted:
    """The setting with the best validation accuracy (the first one on ties)."""
    return max(tried, key=lambda fitted: fitted.val_accuracy)


def accuracy(model: keras.Model | BaseEstimator, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of samples whose predicted label is right."""
    return float(np.mean(predict_labels(model, x) == y))


def predict_labels(model: keras.Model | BaseEstimator, x: np.ndarray) -> np.ndarray:
    """Class labels from a scikit-learn estimator or a Keras model (sigmoid or softmax head)."""
    if not isinstance(model, keras.Model):
        return model.predict(x)
    output = keras.ops.convert_to_numpy(model(x, training=False))
    return (output[:, 0] > 0.5).astype(int) if output.shape[1] == 1 else output.argmax(axis=1)


def setting_text(params: dict) -> str:
    """A chosen setting as "k=v, ..." (without the seed)."""
    return ", ".join(f"{k}={v}" for k, v in params.items() if k != "random_state")


def results_figure(dataset: str, table: dict[str, dict]) -> Figure:
    """Test accuracy and fit time of each family's chosen model."""
    families = list(table)
    colors = [f"C{i}" for i in range(len(families))]
    fig = Figure(figsize=(11.0, 3.8), layout="constrained")
    acc_ax, time_ax = fig.subplots(1, 2, sharey=True)
    test = [table[f]["test_accuracy"] for f in families]
    acc_ax.barh(families, test, color=colors)
    for i, value in enumerate(test):
        acc_ax.text(value, i, f" {value:.3f}", va="center")
    acc_ax.set(xlim=(min(test) - 0.05, 1.02), xlabel="test accuracy (measured once)")
    fit_times = [table[f]["fit_time_s"] for f in families]
    time_ax.barh(families, fit_times, color=colors)
    for i, value in enumerate(fit_times):
        time_ax.text(value, i, f" {value:.2g} s", va="center")
    time_ax.set(xscale="log", xlabel="fit time of the chosen setting (s, log scale)")
    time_ax.set_xlim(right=max(fit_times) * 8)
    acc_ax.invert_yaxis()
    for ax in (acc_ax, time_ax):
        ax.grid(alpha=0.3, axis="x")
    fig.suptitle(f"{dataset}: each family's setting chosen on validation, then tested once")
    return fig


def print_summary(tables: dict[str, dict]) -> None:
    """One table across datasets: each model's test accuracy and fit time."""
    families = next(iter(tables.values()))
    rows = [
        {
            "test accuracy (fit s)": family,
            **{
                dataset: f"{t[family]['test_accuracy']:.4f} ({t[family]['fit_time_s']:.2f} s)"
                for dataset, t in tables.items()
            },
        }
        for family in families
    ]
    recipe.print_table(rows, title="every dataset")


if __name__ == "__main__":
    raise SystemExit(main())
