"""Generated stand-ins with the exact shapes and formats of the book's Keras datasets.

They let `--quick` smoke runs and the tests exercise the MNIST, IMDB, Reuters, Boston and
California housing code paths where the real files cannot be had. The classes are
learnable, but numbers measured on them say nothing about the real datasets: recipes label
them "synthetic-...".
"""

from __future__ import annotations

import numpy as np

START_CHAR, OOV_CHAR, INDEX_FROM = 1, 2, 3  # keras.datasets.imdb / reuters conventions


def synthetic_mnist(num_train: int = 600, num_test: int = 100, *, seed: int = 0):
    """``((x_train, y_train), (x_test, y_test))`` like `keras.datasets.mnist.load_data()`:
    x uint8 (n, 28, 28) in 0..255, y uint8 in 0..9.

    Each class is a fixed random stroke pattern, shifted by up to 2 pixels and noised.
    """
    rng = np.random.default_rng(seed)
    prototypes = np.zeros((10, 28, 28))
    for digit in range(10):
        for _ in range(4):  # a few thick random strokes per class
            r0, c0, r1, c1 = rng.integers(4, 24, size=4)
            for t in np.linspace(0, 1, 40):
                r, c = int(r0 + t * (r1 - r0)), int(c0 + t * (c1 - c0))
                prototypes[digit, r - 1 : r + 2, c - 1 : c + 2] = 1.0

    def sample(n: int):
        y = rng.integers(0, 10, size=n).astype(np.uint8)
        shifts = rng.integers(-2, 3, size=(n, 2))
        x = np.stack(
            [np.roll(prototypes[d], tuple(s), axis=(0, 1)) for d, s in zip(y, shifts, strict=True)]
        )
        x = np.clip(x * rng.uniform(0.6, 1.0, size=(n, 1, 1)) + rng.normal(0, 0.15, x.shape), 0, 1)
        return (x * 255).astype(np.uint8), y

    return sample(num_train), sample(num_test)


def synthetic_sequences(
    num_train: int = 500,
    num_test: int = 500,
    *,
    num_classes: int = 2,
    num_words: int = 10000,
    vocabulary: int = 20000,
    mean_length: int = 120,
    seed: int = 0,
):
    """Word-index sequences like `keras.datasets.imdb` (2 classes) or `reuters` (46).

    Each sequence starts with 1, holds word ranks + 3, and words ranked beyond `num_words`
    become 2 (out of vocabulary); x is an object array of lists, y int64 labels. Each class
    uses some topic words more often, so the classes can be learned from multi-hot rows.
    """
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, vocabulary + 1)
    background = 1.0 / ranks  # Zipf's law
    background /= background.sum()
    topic_words = rng.choice(
        np.arange(20, min(num_words, vocabulary) - INDEX_FROM), size=(num_classes, 40)
    )
    class_weights = 1.0 / np.arange(1, num_classes + 1) ** 0.8  # unbalanced, like Reuters

    def sample(n: int):
        y = rng.choice(num_classes, size=n, p=class_weights / class_weights.sum())
        xs = np.empty(n, dtype=object)
        for i, label in enumerate(y):
            length = max(10, int(rng.poisson(mean_length)))
            words = rng.choice(ranks, size=length, p=background)
            topical = rng.random(length) < 0.08
            words[topical] = rng.choice(topic_words[label], size=int(topical.sum()))
            indices = words + INDEX_FROM
            indices[indices >= num_words] = OOV_CHAR
            xs[i] = [START_CHAR, *indices.tolist()]
        return xs, y.astype(np.int64)

    return sample(num_train), sample(num_test)


def synthetic_boston_housing(num_train: int = 404, num_test: int = 102, *, seed: int = 0):
    """``((x_train, y_train), (x_test, y_test))`` like `keras.datasets.boston_housing`:
    13 float64 features on very different scales, prices in $1000s between 5 and 50."""
    rng = np.random.default_rng(seed)
    low = np.array([0.0, 0, 0.5, 0, 0.4, 3.5, 3, 1, 1, 190, 12, 0.3, 1.7])
    high = np.array([89.0, 100, 27.7, 1, 0.87, 8.8, 100, 12, 24, 711, 22, 397, 38])
    coef = rng.normal(0, 1, size=13)

    def sample(n: int):
        x = rng.uniform(low, high, size=(n, 13))
        x[:, 3] = (x[:, 3] > 0.93).astype(float)  # a 0/1 feature, like CHAS
        z = ((x - low) / (high - low) - 0.5) @ coef
        y = np.clip(22.5 + 6 * z + rng.normal(0, 2.5, size=n), 5.0, 50.0)
        return x, y

    return sample(num_train), sample(num_test)


# California housing's 8 features (keras.datasets.california_housing): their ranges in the
# 1990 census block groups, roughly.
CALIFORNIA_LOW = np.array([0.5, 1.0, 2.0, 0.8, 10.0, 1.0, 32.5, -124.3])
CALIFORNIA_HIGH = np.array([15.0, 52.0, 10.0, 1.5, 6000.0, 6.0, 42.0, -114.3])


def synthetic_california_housing(num_train: int = 480, num_test: int = 120, *, seed: int = 0):
    """``((x_train, y_train), (x_test, y_test))`` like
    ``keras.datasets.california_housing.load_data(version="small")``: 8 float32 features
    (median income, house age, rooms, bedrooms, population, occupancy, latitude,
    longitude) and the median house value in dollars, from a price formula (income, age,
    nearness to the coast) plus noise, capped at $500,001 as the census data is."""
    rng = np.random.default_rng(seed)

    def sample(n: int):
        x = rng.uniform(CALIFORNIA_LOW, CALIFORNIA_HIGH, size=(n, 8))
        income, age, latitude, longitude = x[:, 0], x[:, 1], x[:, 6], x[:, 7]
        coast = np.clip((-longitude - 114.3) / 10 - (latitude - 32.5) / 20, 0, 1)
        value = 25_000 * income + 1_000 * age + 100_000 * coast + rng.normal(0, 30_000, n)
        return x.astype("float32"), np.clip(value, 15_000, 500_001).astype("float32")

    return sample(num_train), sample(num_test)


STEPS_PER_DAY = 144  # one record every 10 minutes
STEPS_PER_YEAR = 365 * STEPS_PER_DAY


def synthetic_jena_climate(rows: int = 20_000, *, seed: int = 0) -> np.ndarray:
    """``rows`` x 14 float32 readings shaped like the Jena climate CSV's (one every 10
    minutes): column 1, the temperature in degrees C, follows a yearly and a daily cycle
    plus slow weather (a random walk pulled back to the cycles) and noise; the other
    columns (pressure, humidity, vapour pressure, wind, ...) follow it or the weather."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    yearly = -9.0 * np.cos(2 * np.pi * t / STEPS_PER_YEAR)
    daily = -4.0 * np.cos(2 * np.pi * t / STEPS_PER_DAY)
    weather = np.zeros(rows)
    shocks = rng.normal(0.0, 0.25, rows)
    for step in range(1, rows):
        weather[step] = 0.999 * weather[step - 1] + shocks[step]
    temperature = 9.5 + yearly + daily + weather + rng.normal(0.0, 0.2, rows)
    pressure = 989.0 - 0.6 * weather + rng.normal(0.0, 0.5, rows)
    humidity = np.clip(76.0 - 2.0 * daily - 1.5 * weather + rng.normal(0, 3, rows), 10, 100)
    columns = [
        pressure,
        temperature,
        temperature + 273.2,  # potential temperature (K)
        temperature - (100 - humidity) / 5,  # dew point
        humidity,
        6.1 * np.exp(0.07 * temperature),  # saturation vapour pressure
        6.1 * np.exp(0.07 * temperature) * humidity / 100,  # vapour pressure
        6.1 * np.exp(0.07 * temperature) * (1 - humidity / 100),  # deficit
        3.8 * humidity / 100 * np.exp(0.07 * temperature) / 6,  # specific humidity
        6.1 * humidity / 100 * np.exp(0.07 * temperature) / 1.6,  # water concentration
        1216.0 - 4.5 * temperature + rng.normal(0, 2, rows),  # air density
        np.abs(2.0 + 0.3 * weather + rng.normal(0, 1.0, rows)),  # wind speed
        np.abs(3.5 + 0.3 * weather + rng.normal(0, 1.5, rows)),  # max wind speed
        rng.uniform(0, 360, rows),  # wind direction
    ]
    return np.stack(columns, axis=1).astype("float32")


REVIEW_WORDS = {  # the sentiment words of generated reviews, and what their label is
    1: ("great", "wonderful", "brilliant", "moving", "superb", "enjoyable", "funny", "good"),
    0: ("awful", "boring", "dull", "terrible", "bad", "predictable", "weak", "poor"),
}
NEUTRAL_WORDS = tuple(f"w{i}" for i in range(2000))


def synthetic_reviews(num_train: int = 2000, num_test: int = 1000, *, seed: int = 0):
    """``((x_train, y_train), (x_test, y_test))``: short generated reviews as raw text,
    labelled 1 (positive) or 0. Most words are neutral; a few carry the label, and some of
    those come negated ("not great" in a negative review), so a word pair says more than
    its words alone."""
    rng = np.random.default_rng(seed)

    def review(label: int) -> str:
        words = list(rng.choice(NEUTRAL_WORDS, size=int(rng.integers(20, 60))))
        for _ in range(int(rng.integers(2, 5))):
            negated = rng.random() < 0.3
            said = str(rng.choice(REVIEW_WORDS[1 - label if negated else label]))
            phrase = f"not {said}" if negated else said
            words.insert(int(rng.integers(0, len(words) + 1)), phrase)
        return " ".join(words) + "."

    def sample(n: int):
        y = rng.integers(0, 2, size=n)
        return np.array([review(int(label)) for label in y], dtype=object), y.astype("int64")

    return sample(num_train), sample(num_test)
