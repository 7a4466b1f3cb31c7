"""The suite's own rule: in CI a skipped service test fails the run."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_skipped_service_test_fails_when_ci_is_set(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pathlib

    conftest = pathlib.Path(__file__).with_name("conftest.py").read_text()
    pytester.makeconftest(conftest)
    pytester.makeini("[pytest]\nmarkers =\n    service: real server\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.service
        def test_needs_server():
            pytest.skip("server unreachable")

        def test_plain_skip_is_still_a_skip():
            pytest.skip("not a service test")
        """
    )
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, skipped=1)


def test_skipped_service_test_is_a_skip_outside_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pathlib

    conftest = pathlib.Path(__file__).with_name("conftest.py").read_text()
    pytester.makeconftest(conftest)
    pytester.makeini("[pytest]\nmarkers =\n    service: real server\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.service
        def test_needs_server():
            pytest.skip("server unreachable")
        """
    )
    monkeypatch.setenv("CI", "")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)


def test_the_ci_rule_holds_on_xdist_workers_and_the_e2e_files_share_one_worker(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under ``-n 2 --dist loadfile`` the skip of a service test still fails in CI (the report is
    made on a worker and sent to the controller), and the files under tests/e2e run on one worker
    (they share one session server and one chromium)."""
    import pathlib
    import xml.etree.ElementTree as ET

    pytest.importorskip("xdist")
    conftest = pathlib.Path(__file__).with_name("conftest.py").read_text()
    pytester.makeconftest(conftest)
    pytester.makeini("[pytest]\nmarkers =\n    service: real server\n")
    on_worker = """
        import os

        def test_{n}(record_property):
            record_property("worker", os.environ["PYTEST_XDIST_WORKER"])
        """
    pytester.makepyfile(
        test_service="""
        import pytest

        @pytest.mark.service
        def test_needs_server():
            pytest.skip("server unreachable")

        def test_plain_skip_is_still_a_skip():
            pytest.skip("not a service test")
        """,
        **{f"tests/e2e/test_{name}": on_worker.format(n=name) for name in "abcd"},
    )
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)  # this suite may itself run on a worker
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile", "--junitxml=out.xml"
    )
    result.assert_outcomes(failed=1, skipped=1, passed=4)
    tree = ET.parse(pytester.path / "out.xml")
    workers = [p.get("value") for p in tree.iter("property") if p.get("name") == "worker"]
    assert len(workers) == 4
    assert len(set(workers)) == 1, workers
