"""A keras-tuner `HyperModel` over `build_dense_model`: width, depth, dropout, learning rate.

An optional extra: ``pip install keras-dl[tune]``.

    import keras_tuner
    from keras_dl.tuning import DenseHyperModel

    hypermodel = DenseHyperModel(X.shape[1], "multiclass", num_classes=10)
    tuner = keras_tuner.RandomSearch(hypermodel, objective="val_accuracy", max_trials=10)
    tuner.search(X_train, y_train, validation_data=(X_val, y_val), epochs=20)
    best = tuner.get_best_models(1)[0]
"""

from __future__ import annotations

from collections.abc import Sequence

try:
    import keras_tuner
except ImportError as err:  # the extra is not installed
    raise ImportError(
        "keras_dl.tuning needs keras-tuner: pip install 'keras-dl[tune]' (or keras-tuner)"
    ) from err

from keras_dl.builders import build_dense_model


class DenseHyperModel(keras_tuner.HyperModel):
    """Dense networks for `task`, searched over their width, depth, dropout and learning rate.

    Each range is ``(low, high)``: ``units`` on a log scale in powers of two, ``depth``
    hidden layers of that width, ``dropout`` in steps of 0.1, ``learning_rate`` on a log
    scale. The head, loss and metrics follow `task` as in `build_dense_model`.

    Example:
        >>> hypermodel = DenseHyperModel(30, "binary", units=(8, 64), depth=(1, 2))
        >>> hypermodel.build(keras_tuner.HyperParameters()).output_shape
        (None, 1)
    """

    def __init__(
        self,
        input_shape: int | Sequence[int],
        task: str,
        *,
        num_classes: int | None = None,
        num_outputs: int = 1,
        units: tuple[int, int] = (16, 256),
        depth: tuple[int, int] = (1, 3),
        dropout: tuple[float, float] = (0.0, 0.5),
        learning_rate: tuple[float, float] = (1e-4, 1e-2),
        optimizer: str = "rmsprop",
        name: str | None = None,
        tunable: bool = True,
    ):
        super().__init__(name=name, tunable=tunable)
        for argument, (low, high) in {
            "units": units,
            "depth": depth,
            "dropout": dropout,
            "learning_rate": learning_rate,
        }.items():
            if not low <= high:
                raise ValueError(f"{argument}={(low, high)!r}: expected (low, high), low <= high")
        self.input_shape = input_shape
        self.task = task
        self.num_classes = num_classes
        self.num_outputs = num_outputs
        self.units = units
        self.depth = depth
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.optimizer = optimizer

    def build(self, hp: keras_tuner.HyperParameters):
        """A compiled model for the hyperparameters `hp` picks."""
        width = hp.Choice("units", _powers_of_two(*self.units))
        depth = hp.Int("depth", *self.depth)
        low, high = self.dropout
        dropout = hp.Float("dropout", low, high, step=0.1) if high > low else low
        rate = hp.Float("learning_rate", *self.learning_rate, sampling="log")
        return build_dense_model(
            self.input_shape,
            self.task,
            num_classes=self.num_classes,
            num_outputs=self.num_outputs,
            hidden_units=(width,) * depth,
            dropout=dropout,
            optimizer=self.optimizer,
            learning_rate=rate,
        )


def _powers_of_two(low: int, high: int) -> list[int]:
    """The powers of two from `low` to `high` (`low` alone when there is none between)."""
    values, value = [], 1
    while value <= high:
        if value >= low:
            values.append(value)
        value *= 2
    return values or [low]
