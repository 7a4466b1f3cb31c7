"""Alembic environment: online only, on the connection that ``upgrade`` hands over."""

from optionswarm.storage.migrations import run_environment

run_environment()
