"""The first network on real MNIST: Dense(512) -> Dense(10), test accuracy 0.978 (ch. 2)

Deep Learning with Python, ch. 2.1 "A first look at a neural network".

`keras.datasets.mnist` exactly as the book: 60,000 training images (all used for
training, as in ch. 2), 10,000 test images, reshaped to (n, 784) float32 / 255;
Dense(512, relu) -> Dense(10, softmax), rmsprop, 5 epochs, batch 128.
Book: test accuracy 0.978 (1st ed. 0.9777; 2nd-ed. notebooks 0.979-0.980).

The code is the `digits` recipe's, with MNIST as the default dataset. Without mnist.npz
in the Keras cache and no network, it says where to put the file and exits with status 2;
`--dataset digits` runs on scikit-learn's embedded digits instead.

Run it:

    make recipe NAME=mnist
    make recipe NAME=mnist ARGS="--dataset digits"
"""

from digits import build_parser, run

from keras_dl.recipe import parse_recipe_args, recipe_main


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    return run("mnist", parse_recipe_args(build_parser("mnist", __doc__), argv))


if __name__ == "__main__":
    raise SystemExit(main())
