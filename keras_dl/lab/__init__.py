"""The lab: what runs the recipes.

- `recipe`: a recipe script's one import (``from keras_dl import recipe``);
- `lifecycle`: a recipe's run, from `start` through `RecipeRun.fit` to `RecipeRun.finish`;
- `overlay`: a recipe's runs side by side, and a claim about them together;
- `callbacks`: the safety net every fit of a run gets;
- `flags`: the flags every recipe shares; `registry`: finding and loading recipes;
- `context`, `invocation`: one recipe run in this process, and the runs it opened;
- `groups`: the driver of groups of runs, used by `reproduce` (over seeds) and `sweep`
  (over a grid of flags);
- `startup`: the backend started quietly; `resume`: finding the run to resume;
- `cli`: ``python -m keras_dl`` / ``keras-dl``.
"""
