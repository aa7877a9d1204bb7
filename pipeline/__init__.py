"""Observed Journeys: the customer journey that actually happens, from clickstream and ticket exports.

Public API for notebooks::

    import pipeline
    config = pipeline.load_config("journey.yml")
    con = pipeline.connect(config)          # DuckDB connection to the warehouse
    html = pipeline.run_report("journey.yml", "reports")
"""

from __future__ import annotations

from .config import ConfigError, load_config
from .db import connect
from .flow import run_report

__all__ = ["ConfigError", "connect", "load_config", "run_report"]
__version__ = "0.1.0"
