"""Fixtures every test folder may use."""

pytest_plugins = ["tests.db_fixtures", "tests.served", "tests.demo_env"]
