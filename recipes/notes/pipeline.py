"""A Dense net in a scikit-learn Pipeline, grid-searched with 5-fold CV beside an SVM and a forest

Course notes: ingu627, "[케라스(keras) 이해] 1장. 딥러닝이란 무엇인가" (blog, 2021) (1_2 "Training,
Validation and Test": the validation data chooses the model, the test data measures it once) and
Deep Learning with Python ch. 4.3 / 5.2 (K-fold validation when the data is small). `ml_vs_dl`
chooses each family's setting on one validation split; here every family is chosen as a
scikit-learn user would: a `Pipeline` of `StandardScaler` and the model, searched by `GridSearchCV`
with stratified 5-fold cross-validation on the training part (80%), so that the scaler of each fold
sees only that fold's training rows. The test part (20%) is scored once, by the refit.

  Dense net      keras_dl.sklearn.DenseClassifier, hidden_units (32,) or (64, 64),
                 epochs --epochs / 3 or --epochs (10 or 30)
  SVM            SVC with an RBF kernel, C 1 or 10
  random forest  200 trees, max_features sqrt or 0.3

Datasets: digits (1,797 8x8 images, 10 classes), breast_cancer (569 x 30, 2 classes). Each is
a run: the table of each family's chosen setting, its CV accuracy (mean and std over the 5
folds), its test accuracy and the search's time, and pipeline.png; the refit Dense net's
epochs are its history. The notes give no numbers: expect all three within a few points
(about 0.97-0.99 on digits, 0.94-0.99 on breast_cancer). --quick is a smoke run: breast_cancer
only (unless --dataset says otherwise), 2 folds, one epochs value.

Run it:

    make recipe NAME=pipeline
    make recipe NAME=pipeline ARGS="--dataset breast_cancer --epochs 60"
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sklearn.datasets
from matplotlib.figure import Figure
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from keras_dl import recipe
from keras_dl.sklearn import DenseClassifier

DATASETS = ("digits", "breast_cancer")
FOLDS = 5
QUICK_ROWS, QUICK_FOLDS = 600, 2  # --quick: 600 rows, 2 folds, --epochs only, breast_cancer


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Grid-search the three families on each dataset; returns the exit status."""
    # The flags: --dataset breast_cancer, wine or both.
    args = recipe.parser(
        __doc__, epochs=30, batch_size=32, datasets=("both", *DATASETS)
    ).parse_args(argv)
    datasets = DATASETS if args.dataset == "both" else (args.dataset,)
    if args.quick and args.dataset == "both":
        datasets = ("breast_cancer",)  # a smoke run: the smaller table

    # On each dataset: a grid search over each family's settings, scored by
    # cross-validation on the training part only (a scikit-learn Pipeline refits the
    # scaler inside each fold, so no fold sees another's statistics); the test set judges
    # the chosen model once (search_on).
    results = [search_on(dataset, args) for dataset in datasets]

    # Each dataset's result line, last.
    for result in results:
        print(result.line())
    return 0


def families(args: argparse.Namespace, callbacks=()) -> dict[str, tuple[object, dict]]:
    """Each family's estimator and the grid searched over it (keyed by the pipeline's
    step names, as GridSearchCV expects them); `callbacks` go to every fit of the Dense net."""
    dense = DenseClassifier(batch_size=args.batch_size, seed=args.seed, callbacks=callbacks)
    return {
        "Dense net": (
            dense,
            {
                "denseclassifier__hidden_units": [(32,), (64, 64)],
                # --quick: its epochs only (a smoke run of the same search).
                "denseclassifier__epochs": sorted(
                    {args.epochs} if args.quick else {max(1, args.epochs // 3), args.epochs}
                ),
            },
        ),
        "SVM (RBF kernel)": (SVC(), {"svc__C": [1.0, 10.0]}),
        "random forest": (
            RandomForestClassifier(n_estimators=200, random_state=args.seed),
            {"randomforestclassifier__max_features": ["sqrt", 0.3]},
        ),
    }


def search_on(dataset: str, args: argparse.Namespace) -> recipe.Result:
    """Search every family with 5-fold CV on the training part, test each refit once,
    record one run; returns its result."""
    X, y = getattr(sklearn.datasets, f"load_{dataset}")(return_X_y=True)
    if args.quick:
        X, y = X[:QUICK_ROWS], y[:QUICK_ROWS]
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype("float32"), y, test_size=0.2, stratify=y, random_state=args.seed
    )
    k = QUICK_FOLDS if args.quick else FOLDS
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=args.seed)
    print(f"\n{dataset}: train {len(X_train)} ({k} folds), test {len(X_test)} (stratified)")

    with recipe.start("pipeline", args, dataset=dataset, variant=dataset) as run:
        table, searches = {}, {}
        # Every fit of the Dense net, in every fold and the refit, logs its epochs to the
        # run's fits/dense-<n>.csv (GridSearchCV fits copies of the estimator).
        callbacks = run.callbacks("dense", each_fit=True)
        for family, (estimator, grid) in families(args, callbacks).items():
            # The scaler is a step of the pipeline: each fold fits it on its own training rows.
            # verbose=2: a line per fit, "[CV] END <setting>; total time= ...".
            pipeline = make_pipeline(StandardScaler(), estimator)
            search = GridSearchCV(pipeline, grid, cv=folds, verbose=2)
            print(f"\n{family}:", flush=True)
            start = time.perf_counter()
            search.fit(X_train, y_train)
            best = search.best_index_
            table[family] = {
                "params": {k.split("__")[1]: v for k, v in search.best_params_.items()},
                "cv_accuracy": float(search.cv_results_["mean_test_score"][best]),
                "cv_std": float(search.cv_results_["std_test_score"][best]),
                "test_accuracy": float(search.score(X_test, y_test)),  # the one look at test
                "search_s": time.perf_counter() - start,
            }
            searches[family] = search
        recipe.print_table(
            [
                {
                    "model": family,
                    "chosen setting": ", ".join(f"{k}={v}" for k, v in row["params"].items()),
                    "cv acc": f"{row['cv_accuracy']:.4f} ± {row['cv_std']:.4f}",
                    "test acc": row["test_accuracy"],
                    "search s": row["search_s"],
                }
                for family, row in table.items()
            ],
            title=f"{dataset}: GridSearchCV, {k} folds",
        )
        if not args.no_plots:
            run.save_figure(results_figure(dataset, table, k), "pipeline.png")
        result = run.result(  # the notes publish no number: reported, never judged
            "test accuracy",
            ", ".join(
                f"{family.split(' (')[0]} {row['test_accuracy']:.3f}"
                for family, row in table.items()
            ),
        )
        refit = searches["Dense net"].best_estimator_[-1]
        run.finish(
            history=refit.history_,
            metrics={"models": table, "sizes": {"train": len(X_train), "test": len(X_test)}},
            result=result,
            title=f"pipeline: the refit Dense net on {dataset}",
        )
    return result


def results_figure(dataset: str, table: dict[str, dict], folds: int = FOLDS) -> Figure:
    """Each family's CV accuracy (mean, with the folds' std) and test accuracy."""
    families_ = list(table)
    positions = np.arange(len(families_))
    fig = Figure(figsize=(8.0, 4.0), layout="constrained")
    ax = fig.subplots()
    cv = [table[f]["cv_accuracy"] for f in families_]
    test = [table[f]["test_accuracy"] for f in families_]
    ax.barh(
        positions - 0.2,
        cv,
        height=0.4,
        xerr=[table[f]["cv_std"] for f in families_],
        label=f"{folds}-fold CV (mean ± std)",
        color="C0",
    )
    ax.barh(positions + 0.2, test, height=0.4, label="test (once, by the refit)", color="C1")
    ax.set_yticks(positions, families_)
    ax.set(xlim=(min(cv + test) - 0.08, 1.0), xlabel="accuracy")
    ax.invert_yaxis()
    ax.grid(alpha=0.3, axis="x")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2)  # below the bars
    ax.set_title(f"{dataset}: each family's best setting by GridSearchCV, then tested once")
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
