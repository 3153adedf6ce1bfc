"""The first network on real MNIST: Dense(512) -> Dense(10), test accuracy 0.978 (ch. 2)

Deep Learning with Python, ch. 2.1 "A first look at a neural network". The book trains
Dense(512, relu) -> Dense(10, softmax) on MNIST with rmsprop, 5 epochs of batch 128, and
reports test accuracy 0.978 (1st ed. 0.9777; the 2nd-ed. notebooks 0.979-0.980).

  --dataset mnist   (default) keras.datasets.mnist exactly as the book: all 60,000
                    training images (ch. 2 holds none out), 10,000 test images, 784 pixels
                    / 255. Without mnist.npz in the Keras cache and no network, the recipe
                    says where to put the file and exits with status 2.
  --dataset digits  scikit-learn's embedded 8x8 digits instead (the `digits` recipe).

Run it:

    make recipe NAME=mnist
    make recipe NAME=mnist ARGS="--dataset digits"
"""

from keras_dl import build_dense_model, recipe
from keras_dl.datasets import load_images

BOOK = recipe.BookFigure("test accuracy", 0.978, "MNIST", "ch. 2.1", band=(0.975, 1.0))


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Train and evaluate the first network on MNIST; returns the exit status."""
    args = recipe.parser(
        __doc__, epochs=5, batch_size=128, datasets=("mnist", "digits")
    ).parse_args(argv)

    # The data: each 28x28 image flattened to a row of 784 pixels in [0, 1]. Chapter 2
    # validates on nothing: all 60,000 training images train, the 10,000 test images judge.
    # digits, with no test set of its own, is split 70/15/15 and standardized on train.
    data = load_images(
        args.dataset, standardize=args.dataset == "digits", quick=args.quick, seed=args.seed
    )
    print(data)

    with recipe.start("mnist", args, dataset=data.name) as run:
        # The network: a Dense layer of 512 ReLU units, then a 10-way softmax that gives
        # each image a probability per digit, trained with rmsprop on sparse categorical
        # cross-entropy (the loss build_dense_model pairs with a softmax and integer labels).
        model = build_dense_model(
            data.train[0].shape[1],
            "multiclass",
            num_classes=10,
            hidden_units=(512,),
            optimizer="rmsprop",
            name="first_network",
        )

        # Training: 5 passes over the training images in batches of 128. The run's
        # callbacks log each finished epoch, so that Ctrl-C keeps them and --resume goes on.
        history = model.fit(
            *data.train,
            validation_data=data.val,
            epochs=args.epochs,
            batch_size=args.batch_size,
            callbacks=run.callbacks(),
        )

        # The test images were never seen during training: their accuracy is the number
        # to put beside the book's.
        test = model.evaluate(*data.test, return_dict=True, verbose=0)
        run.finish(
            history=history,
            metrics={"test": test, "sizes": data.sizes},
            result=run.result("test accuracy", test["accuracy"], BOOK),
            title=f"mnist: Dense(512) -> Dense(10) on {data.name}",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
