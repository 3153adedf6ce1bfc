"""Ensembles of small nets: voting, bagging and stacking, against one net

Course notes seeds/002_7062e522238e54db.txt (과적합의 해결 방안 - 앙상블: many small models vote,
so a few wrong ones are outvoted and the whole generalizes better; bagging = bootstrap
aggregating, boosting, stacking = a meta learner trained on the weak learners' predictions).

On one stratified 70/15/15 split of scikit-learn's digits (standardized on the training part),
small keras_dl nets (Dense(16, relu) -> Dense(10, softmax), rmsprop, 10 epochs: weak learners
whose validation loss is still falling, about 0.92 test accuracy each) are trained in two
pools of --members nets each:

  single nets        trained on the whole training part, each from its own initial weights;
                     each one is "one net", the baseline;
  bootstrap members  each trained on its own bootstrap sample of the training part (n rows
                     drawn with replacement).

and combined into ensembles:

  voting, hard / soft   the single nets vote: the class most of them predict (hard), or the
                        class with the highest mean probability (soft);
  stacking              a logistic regression (the meta learner) fitted on the single nets'
                        probabilities for the *validation* part, which no net trained on, then
                        applied to their test probabilities;
  bagging, hard / soft  the bootstrap members vote (bootstrap aggregating).

The test part is only scored. The experiment is repeated --repeats times with other training
seeds on the same split (they change initial weights, shuffling and bootstrap samples), to
measure how much each method's test accuracy varies from seed to seed: an ensemble's spread is
the standard deviation of its --repeats accuracies, a single net's that of all --repeats x
--members single nets.

What the notes claim, and the tests check: an ensemble's test accuracy is at least its median
member's, and its spread across seeds is smaller than a single net's (with the defaults, about
0.92 +- 0.01 for one net against 0.94-0.95 +- 0.00-0.01 for the ensembles). ensemble.png shows
every accuracy per method; curves.png the single nets' mean training curves. The notes give
no numbers; the last line is the soft-voting ensemble's mean test accuracy over the seeds.

Run it:

    make recipe NAME=ensemble
    make recipe NAME=ensemble ARGS="--members 9 --repeats 5 --epochs 20"
    make recipe NAME=ensemble ARGS="--dataset breast_cancer"
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

import keras
import numpy as np
from matplotlib.figure import Figure
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegression

from keras_dl import build_dense_model, infer_task, train_val_test_split
from keras_dl.recipe import (
    Result,
    finish_recipe,
    parse_recipe_args,
    positive_int,
    recipe_main,
    recipe_parser,
    start_recipe,
)

if TYPE_CHECKING:
    from keras_dl import DataSplit, TaskInfo

LOADERS = {"digits": load_digits, "breast_cancer": load_breast_cancer}
QUICK_SAMPLES = 600
QUICK_MEMBERS, QUICK_REPEATS = 2, 2
HIDDEN_UNITS = (16,)
# method -> the pool whose nets it combines (a pool's own row lists every net's accuracy)
METHODS = {
    "single net": "single net",
    "voting, hard": "single net",
    "voting, soft": "single net",
    "stacking": "single net",
    "bootstrap member": "bootstrap member",
    "bagging, hard": "bootstrap member",
    "bagging, soft": "bootstrap member",
}
POOLS = ("single net", "bootstrap member")


def build_net(num_features: int, info: TaskInfo) -> keras.Model:
    """One small net with the head infer_task picked (softmax for digits, sigmoid for 2 classes)."""
    return build_dense_model(
        num_features, info.task, num_classes=info.num_classes, hidden_units=HIDDEN_UNITS
    )


def class_probabilities(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """(n, classes) probabilities; a sigmoid output p becomes the two columns (1 - p, p)."""
    p = keras.ops.convert_to_numpy(model(x, training=False))
    return np.concatenate([1 - p, p], axis=1) if p.shape[1] == 1 else p


def hard_vote(probabilities: list[np.ndarray]) -> np.ndarray:
    """The class most members predict (ties go to the lower class)."""
    num_classes = probabilities[0].shape[1]
    votes = sum(np.eye(num_classes)[p.argmax(axis=1)] for p in probabilities)
    return votes.argmax(axis=1)


def soft_vote(probabilities: list[np.ndarray]) -> np.ndarray:
    """The class with the highest probability averaged over the members."""
    return np.mean(probabilities, axis=0).argmax(axis=1)


def stack(
    val_probabilities: list[np.ndarray],
    y_val: np.ndarray,
    test_probabilities: list[np.ndarray],
    seed: int,
) -> np.ndarray:
    """Fit a logistic-regression meta learner on the members' validation probabilities (side
    by side), and predict the test classes from their test probabilities."""
    meta = LogisticRegression(max_iter=2000, random_state=seed)
    meta.fit(np.concatenate(val_probabilities, axis=1), y_val)
    return meta.predict(np.concatenate(test_probabilities, axis=1))


def accuracy(predicted: np.ndarray, y: np.ndarray) -> float:
    """Fraction of right labels."""
    return float(np.mean(predicted == y))


def train_pool(
    x: np.ndarray,
    y: np.ndarray,
    info: TaskInfo,
    args: argparse.Namespace,
    *,
    bootstrap: np.random.Generator | None = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[list, list]:
    """Train --members nets, each from its own initial weights; return them and their histories.

    With `bootstrap` (a NumPy Generator) each net trains on its own bootstrap sample (len(x)
    rows drawn with replacement), else on all of x. `validation` is only monitored.
    """
    nets, histories = [], []
    for _ in range(args.members):
        rows = bootstrap.integers(0, len(x), size=len(x)) if bootstrap else np.arange(len(x))
        net = build_net(x.shape[1], info)
        history = net.fit(
            x[rows],
            y[rows],
            validation_data=validation,
            epochs=args.epochs,
            batch_size=args.batch_size,
            verbose=0,
        )
        nets.append(net)
        histories.append(history.history)
    return nets, histories


def one_repeat(
    split: DataSplit, info: TaskInfo, seed: int, args: argparse.Namespace
) -> tuple[dict, list[dict]]:
    """Train both pools with training seed `seed`, combine them, score everything on test.

    Returns the test accuracies and the single nets' histories.
    """
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = split.train, split.val, split.test
    keras.utils.set_random_seed(seed)  # initial weights and shuffling
    full, histories = train_pool(x_train, y_train, info, args, validation=(x_val, y_val))
    bagged, _ = train_pool(x_train, y_train, info, args, bootstrap=np.random.default_rng(seed))

    full_test = [class_probabilities(net, x_test) for net in full]
    bagged_test = [class_probabilities(net, x_test) for net in bagged]
    full_val = [class_probabilities(net, x_val) for net in full]  # the meta learner's data
    scores = {
        "seed": seed,
        "single net": [accuracy(p.argmax(axis=1), y_test) for p in full_test],
        "voting, hard": accuracy(hard_vote(full_test), y_test),
        "voting, soft": accuracy(soft_vote(full_test), y_test),
        "stacking": accuracy(stack(full_val, y_val, full_test, seed), y_test),
        "bootstrap member": [accuracy(p.argmax(axis=1), y_test) for p in bagged_test],
        "bagging, hard": accuracy(hard_vote(bagged_test), y_test),
        "bagging, soft": accuracy(soft_vote(bagged_test), y_test),
    }
    return scores, histories


def spread(values: Sequence[float] | np.ndarray) -> dict:
    """Mean, sample standard deviation (ddof=1, unbiased in the variance, so that pools of
    different sizes compare fairly) and count."""
    values = np.asarray(values, dtype=float)
    return {"mean": float(values.mean()), "std": float(values.std(ddof=1)), "n": int(values.size)}


def accuracies(repeats: list[dict], method: str) -> np.ndarray:
    """All test accuracies of `method` over the seeds: every net's for a pool, else one per seed."""
    if method in POOLS:
        return np.concatenate([r[method] for r in repeats])
    return np.array([r[method] for r in repeats])


def mean_history(histories: list[dict]) -> dict[str, list[float]]:
    """The per-epoch mean of several fit histories with the same keys."""
    return {key: np.mean([h[key] for h in histories], axis=0).tolist() for key in histories[0]}


def ensemble_figure(repeats: list[dict], dataset: str, members: int) -> Figure:
    """Every test accuracy per method, with the mean and one standard deviation."""
    fig = Figure(figsize=(12.0, 5.0), layout="constrained")
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)  # jitter only
    for i, method in enumerate(METHODS):
        values = accuracies(repeats, method)
        color = "C0" if METHODS[method] == "single net" else "C1"
        marker = "o" if method in POOLS else "s"
        x = i + rng.uniform(-0.12, 0.12, size=values.size)
        ax.scatter(x, values, s=24, alpha=0.7, color=color, marker=marker)
        ax.errorbar(i + 0.25, values.mean(), yerr=values.std(ddof=1), fmt="D", color="k", capsize=5)
        ax.annotate(
            f"std\n{values.std(ddof=1):.4f}", (i + 0.3, values.mean()), fontsize=8, va="center"
        )
    labels = [f"{m}\n({len(repeats)} x {members} nets)" if m in POOLS else m for m in METHODS]
    ax.set_xticks(range(len(METHODS)), labels)
    ax.axvline(3.5, color="grey", lw=0.8)
    ax.set(ylabel="test accuracy", xlim=(-0.5, len(METHODS) - 0.2))
    ax.grid(alpha=0.3, axis="y")
    ax.set_title(
        f"{dataset}: blue = nets on all training data, orange = bootstrap members; "
        f"{len(repeats)} training seeds, one split; black: mean +- std"
    )
    return fig


def build_parser() -> argparse.ArgumentParser:
    """The shared flags plus --dataset, --members and --repeats."""
    parser = recipe_parser(__doc__, epochs=10, batch_size=32)
    parser.add_argument(
        "--dataset",
        choices=tuple(LOADERS),
        default="digits",
        help="embedded scikit-learn dataset (default: %(default)s)",
    )
    parser.add_argument(
        "--members",
        type=positive_int,
        default=5,
        help="nets per pool and ensemble (default: %(default)s)",
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=3,
        help="training seeds to repeat the experiment with (default: %(default)s)",
    )
    return parser


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    parser = build_parser()
    args = parse_recipe_args(parser, argv)
    if args.repeats < 2:
        parser.error(f"--repeats {args.repeats}: expected at least 2 (a spread needs two seeds)")
    X, y = LOADERS[args.dataset](return_X_y=True)
    if args.quick:
        X, y = X[:QUICK_SAMPLES], y[:QUICK_SAMPLES]
        args.members = min(args.members, QUICK_MEMBERS)
        args.repeats = min(args.repeats, QUICK_REPEATS)
    split = train_val_test_split(X.astype("float32"), y, seed=args.seed, standardize=True)
    info = infer_task(split.train[1])
    print(f"{args.dataset}: {split}; {args.members} nets per pool, {args.repeats} training seeds")

    with start_recipe("ensemble", args, dataset=args.dataset) as run:
        repeats, histories = [], []
        for r in range(args.repeats):
            seed = args.seed * 1000 + r  # the split stays; the training seed changes
            scores, single_histories = one_repeat(split, info, seed, args)
            repeats.append(scores)
            histories += single_histories
            print(
                f"seed {seed}: single nets (median) {np.median(scores['single net']):.4f}, "
                f"voting hard {scores['voting, hard']:.4f} soft {scores['voting, soft']:.4f}, "
                f"stacking {scores['stacking']:.4f}; bootstrap members (median) "
                f"{np.median(scores['bootstrap member']):.4f}, "
                f"bagging hard {scores['bagging, hard']:.4f} soft {scores['bagging, soft']:.4f}"
            )

        summary = {method: spread(accuracies(repeats, method)) for method in METHODS}
        print(f"\n{'method':<18}{'mean':>8}{'std':>8}   test accuracy over {args.repeats} seeds")
        for method, s in summary.items():
            print(f"{method:<18}{s['mean']:>8.4f}{s['std']:>8.4f}   ({s['n']} values)")
        if not args.no_plots:
            run.save_figure(ensemble_figure(repeats, args.dataset, args.members), "ensemble.png")
        finish_recipe(
            run,
            args,
            history=mean_history(histories),
            metrics={
                "repeats": repeats,
                "summary": summary,
                "members": args.members,
                "sizes": split.sizes,
            },
            result=Result(
                "soft-voting ensemble test accuracy (mean over seeds)",
                summary["voting, soft"]["mean"],
                args.dataset,
            ),
            title=f"ensemble: mean curves of the {len(histories)} single nets on {args.dataset}",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
