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
