"""Enrichment's hot modules compiled to C by mypyc (`make compile`, part of `make install`).

Every mention a worker stores goes through these modules; compiled, the same code runs about a
sixth faster (`make bench BENCH=risk_quality` reports which ran). The build goes to .compiled/
with a stamp of the sources it was built from, and the package (monitoring/enrichment/
__init__.py) puts it first on its path only while the stamp matches: an edited module is never
shadowed by an older build, and a machine without a C compiler runs the same modules as Python.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).parent
ROOT = PACKAGE_DIR.parent.parent
BUILD_DIR = ROOT / ".compiled"
MODULES = (
    "cues", "enricher", "features", "impersonation", "language", "model", "risk", "sentiment",
)  # fmt: skip
GROUP = "riskdesk_enrichment"  # the name of the library the modules share


def stamp(sources: Path = PACKAGE_DIR) -> dict[str, str]:
    """What a build is valid for: this Python and the digest of each compiled source."""
    digests = {
        module: hashlib.sha256((sources / f"{module}.py").read_bytes()).hexdigest()
        for module in MODULES
    }
    return {"python": sys.implementation.cache_tag, **digests}


def built_for_these_sources(build: Path = BUILD_DIR, sources: Path = PACKAGE_DIR) -> bool:
    try:
        built = json.loads((build / "stamp.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return built == stamp(sources)


def build() -> None:
    from mypyc.build import mypycify
    from setuptools import Distribution
    from setuptools.command.build_ext import build_ext

    built_from = stamp()
    staging = BUILD_DIR.with_name(".compiled.new")
    shutil.rmtree(staging, ignore_errors=True)
    os.chdir(ROOT)  # mypy names the modules by their path from here
    paths = [str((PACKAGE_DIR / f"{m}.py").relative_to(ROOT)) for m in MODULES]
    extensions = mypycify(
        ["--ignore-missing-imports", "--follow-imports=silent", *paths],
        group_name=GROUP,
        target_dir=str(staging / "c"),
    )
    command = build_ext(Distribution({"name": GROUP, "ext_modules": extensions}))
    command.build_lib = str(staging)
    command.build_temp = str(staging / "objects")
    command.ensure_finalized()
    command.run()
    shutil.rmtree(staging / "c")
    shutil.rmtree(staging / "objects")
    (staging / "stamp.json").write_text(json.dumps(built_from, indent=1), encoding="utf-8")
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    staging.rename(BUILD_DIR)
