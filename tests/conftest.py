"""Shared fixtures: where the real CDNOW data lives, and a small simulated company."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_CDNOW = REPO_ROOT.parent / "shared" / "data" / "cdnow"


def cdnow_folder() -> Path:
    """The folder holding the real CDNOW files (env ``PORTFOLIO_LIB_DATA`` or ../shared)."""
    env = os.environ.get("PORTFOLIO_LIB_DATA")
    return Path(env) if env else SHARED_CDNOW


@pytest.fixture(scope="session")
def cdnow_home() -> Path:
    """Folder with CDNOW_sample.txt, CDNOW_master.txt and the papers' summary file."""
    folder = cdnow_folder()
    if not (folder / "CDNOW_sample.txt").exists():
        pytest.skip(
            f"real CDNOW data not found in {folder} (set PORTFOLIO_LIB_DATA or place "
            "../shared/data/cdnow beside the checkout)"
        )
    return folder


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
