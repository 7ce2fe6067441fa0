"""Fixtures shared by the command-line tests."""

from tests.cli.test_maintenance import hsct  # noqa: F401 - the in-process `hsct` runner fixture
