"""The mypyc build of enrichment's hot modules is used only for the sources it was built from."""

import json
from pathlib import Path

import pytest

from monitoring.enrichment import compiled, features


@pytest.fixture
def sources(tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    for module in compiled.MODULES:
        (folder / f"{module}.py").write_text(f"# {module}\n", encoding="utf-8")
    return folder


def built(tmp_path, stamp: dict) -> Path:
    build = tmp_path / "build"
    build.mkdir(exist_ok=True)
    (build / "stamp.json").write_text(json.dumps(stamp), encoding="utf-8")
    return build


def test_a_build_of_these_sources_is_used(tmp_path, sources):
    build = built(tmp_path, compiled.stamp(sources))

    assert compiled.built_for_these_sources(build, sources)


def test_a_build_of_an_older_source_is_ignored(tmp_path, sources):
    build = built(tmp_path, compiled.stamp(sources))
    (sources / "features.py").write_text("# features, edited since\n", encoding="utf-8")

    assert not compiled.built_for_these_sources(build, sources)


def test_a_build_for_another_python_is_ignored(tmp_path, sources):
    build = built(tmp_path, {**compiled.stamp(sources), "python": "cpython-399"})

    assert not compiled.built_for_these_sources(build, sources)


@pytest.mark.parametrize("stamp", [None, "{not json"])
def test_no_build_or_a_broken_stamp_runs_the_sources(tmp_path, sources, stamp):
    build = tmp_path / "build"
    build.mkdir()
    if stamp is not None:
        (build / "stamp.json").write_text(stamp, encoding="utf-8")

    assert not compiled.built_for_these_sources(build, sources)


def test_the_enrichment_runs_the_build_exactly_when_it_matches():
    where = compiled.BUILD_DIR if compiled.built_for_these_sources() else compiled.PACKAGE_DIR

    assert Path(features.__file__).is_relative_to(where)
