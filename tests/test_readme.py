"""The README's library example really runs."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_builders_example_runs(capsys):
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use the builders in your own Keras project", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(code, str(README), "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    split_comment = re.search(r"print\(split\)  # (.*)", code).group(1)
    assert printed[0] == split_comment
    assert (
        namespace["model"].evaluate(*namespace["split"].test, verbose=0, return_dict=True)[
            "accuracy"
        ]
        > 0.9
    )
    assert namespace["custom"].compiled


def test_the_recipe_tables_list_every_recipe():
    from keras_dl.registry import list_recipes

    text = README.read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\w+)` \|", text, re.M))
    assert listed == {info.name for info in list_recipes()}
