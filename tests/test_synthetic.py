"""The generated stand-ins have the real datasets' shapes, dtypes and conventions."""

import numpy as np

from keras_dl.synthetic import synthetic_boston_housing, synthetic_mnist, synthetic_sequences


def test_mnist_stand_in_has_mnist_format():
    (x_train, y_train), (x_test, _y_test) = synthetic_mnist(50, 20, seed=1)
    assert x_train.shape == (50, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (20, 28, 28)
    assert y_train.dtype == np.uint8 and set(np.unique(y_train)) <= set(range(10))
    assert x_train.max() > 200 and x_train.min() == 0


def test_sequences_follow_keras_start_oov_and_offset_conventions():
    (x_train, y_train), (x_test, _y_test) = synthetic_sequences(
        40, 10, num_classes=46, num_words=1000, seed=0
    )
    assert x_train.dtype == object and len(x_train) == 40 and len(x_test) == 10
    assert all(seq[0] == 1 for seq in x_train)
    words = np.concatenate([np.asarray(seq[1:]) for seq in x_train])
    assert words.min() >= 2 and words.max() < 1000
    assert (words == 2).any()  # words beyond num_words became the oov index
    assert y_train.dtype == np.int64 and y_train.max() < 46


def test_boston_stand_in_has_13_features_and_prices():
    (x_train, y_train), (x_test, _y_test) = synthetic_boston_housing(seed=0)
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    assert y_train.min() >= 5.0 and y_train.max() <= 50.0
    assert set(np.unique(x_train[:, 3])) <= {0.0, 1.0}


def test_stand_ins_repeat_with_the_seed():
    first, second = synthetic_mnist(10, 5, seed=3), synthetic_mnist(10, 5, seed=3)
    np.testing.assert_array_equal(first[0][0], second[0][0])
    other = synthetic_mnist(10, 5, seed=4)
    assert not np.array_equal(first[0][0], other[0][0])
