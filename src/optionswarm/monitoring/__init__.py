"""Monitoring: structured logs (Prometheus metrics and health arrive with the service)."""

from optionswarm.monitoring.logs import configure_logging

__all__ = ["configure_logging"]
