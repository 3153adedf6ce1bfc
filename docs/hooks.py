"""mkdocs hook: serve the committed results in bench/results/ with the site, never copied.

A page links a result where it lies in the repository, relative to the page (from
docs/reproduce.md: ``../bench/results/reuters-5-seeds/val_loss.png``), so that the same link
works on GitHub. Each such file is added here under that name and written to
``site/bench/results/``. Markdown results are not served: the pages include them with
pymdownx.snippets (``--8<-- "bench/results/book.md:2"``).
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File, InclusionLevel

SERVED = {".png", ".svg", ".csv", ".json"}


def on_files(files, config):
    root = Path(config.docs_dir).parent  # mkdocs.yml's folder: docs_dir is docs/
    for path in sorted((root / "bench" / "results").rglob("*")):
        if path.is_file() and path.suffix in SERVED:
            in_repo = path.relative_to(root).as_posix()
            files.append(
                File(
                    f"../{in_repo}",  # the name a page in docs/ links it by
                    config.docs_dir,
                    config.site_dir,
                    config.use_directory_urls,
                    dest_uri=in_repo,
                    inclusion=InclusionLevel.INCLUDED,  # not hidden for its leading ..
                )
            )
    return files
