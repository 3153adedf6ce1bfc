"""Run records: what a run leaves on disk, and everything that reads, compares and judges it.

One directory per run, written atomically and never overwritten::

    runs/<recipe>/<YYYYmmdd-HHMMSS>[-tag]/
        config.json    recipe, arguments, seed, library versions, backend, device, command
        history.csv    the run's epochs (epoch, loss, metrics, val_*), one row per epoch
        metrics.json   test metrics, best epoch, wall time, status, our figures beside the book's
        curves.png     loss and the main metric, training vs validation
        <name>.csv     the epochs of a named fit (boston's fold-1.csv, ...)
        fits/          the epochs of the run's other fits, fit-2.csv, fit-3.csv, ...
        tensorboard/   TensorBoard event logs

and one directory per group of runs (``reproduce``: ``group.json``; ``sweep``: ``sweep.json``)
beside them. Nothing in this package imports Keras or a backend (a test holds it to that), so
``compare``, ``report`` and reading a run start in a second:

- `files`: atomic writes, new directories, the CSV and JSON forms;
- `read`: the one way to read a run or a group;
- `run`: a run directory being written (`Run`, `start_run`, `EpochWriter`);
- `book`: the book's figures (`BookFigure`) and ours beside them (`Result`, `Comparison`);
- `spread`: a figure over seeds, its interval and verdict;
- `curves`, `labels`, `compare`, `plots`: curves, run labels, the compare command, figures;
- `report`: one static HTML page of every run; `tensorboard`: event logs.
"""
