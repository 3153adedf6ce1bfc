"""The flags every recipe shares, and the --quick caps a recipe declares once."""

import argparse

import pytest

from keras_dl.lab.flags import MAX_SEED, parser, positive_float, positive_int, seed


def parse(*argv, quick=None, **defaults):
    return parser("Title\n\nDetails.", quick=quick, **defaults).parse_args(list(argv))


def test_shared_flags_and_their_defaults():
    args = parse(epochs=20, batch_size=512)
    assert (args.epochs, args.batch_size, args.seed, args.out, args.tag, args.quick) == (
        20,
        512,
        0,
        "runs",
        None,
        False,
    )
    assert not hasattr(parse(), "epochs") and not hasattr(parse(), "dataset")


def test_quick_caps_epochs_and_the_recipes_own_flags_and_tags_the_run():
    p = parser("Title", epochs=20, quick={"retrain_epochs": 2, "val_samples": 400, "steps": 3})
    p.add_argument("--retrain-epochs", type=int, default=9)
    p.add_argument("--val-samples", type=int, default=10000)
    p.add_argument("--steps", type=int, default=None)
    args = p.parse_args(["--quick", "--val-samples", "100"])
    assert (args.epochs, args.retrain_epochs, args.val_samples, args.steps) == (2, 2, 100, 3)
    assert args.tag == "quick"
    full = p.parse_args([])
    assert (full.epochs, full.retrain_epochs, full.val_samples, full.steps) == (20, 9, 10000, None)
    tagged = parse("--quick", "--tag", "mine", "--epochs", "1", epochs=20)
    assert (tagged.epochs, tagged.tag) == (1, "mine")


def test_datasets_become_a_dataset_flag_with_the_first_as_default(capsys):
    assert parse(datasets=("digits", "mnist")).dataset == "digits"
    assert parse("--dataset", "mnist", datasets=("digits", "mnist")).dataset == "mnist"
    with pytest.raises(SystemExit):
        parse("--dataset", "cifar", datasets=("digits", "mnist"))
    assert "invalid choice: 'cifar'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--epochs", "0"], "expected a positive integer"),
        (["--batch-size", "x"], "expected a positive integer"),
        (["--tag", "../x"], "expected up to 100 letters"),
        (["--tag", "x" * 300], "expected up to 100 letters"),
        (["--seed", "-1"], f"expected a whole number in 0..{MAX_SEED}"),
        (["--seed", str(2**40)], "--seed"),
    ],
)
def test_bad_flags_exit_2_with_a_message_naming_the_flag(argv, words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv, epochs=5, batch_size=8)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert words in err and argv[0] in err


@pytest.mark.parametrize("text", ["0", "-3", "2.5", "x"])
def test_positive_int_refuses_what_is_not_a_count(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected a positive integer"):
        positive_int(text)
    assert positive_int("7") == 7


@pytest.mark.parametrize("text", ["0", "-0.1", "nan", "inf", "x"])
def test_positive_float_refuses_what_is_not_a_positive_number(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected a number above 0"):
        positive_float(text)
    assert positive_float("1e-3") == 0.001


def test_seed_accepts_the_whole_range_of_the_generators():
    assert seed("0") == 0 and seed(str(MAX_SEED)) == MAX_SEED
    with pytest.raises(argparse.ArgumentTypeError):
        seed(str(MAX_SEED + 1))


def test_a_flag_given_above_its_quick_cap_is_refused_not_silently_capped(capsys):
    with pytest.raises(SystemExit) as stopped:
        parse("--quick", "--epochs", "6", epochs=20)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "error: --epochs 6: --quick runs with --epochs 2 at most; expected --epochs <= 2" in err
