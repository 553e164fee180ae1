"""Workspaces: the learner's own copy of a scenario's starting files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from trainer.packs import Scenario

SCENARIO_ONLY = {"scenario.yaml", "task.md"}


def workspaces_dir() -> Path:
    """Where workspaces live (CKS_TRAINER_HOME overrides the user data directory)."""
    if home := os.environ.get("CKS_TRAINER_HOME"):
        return Path(home) / "workspaces"
    from platformdirs import user_data_path

    return user_data_path("cks-trainer") / "workspaces"


def ensure_workspace(scenario: Scenario) -> Path:
    """The learner's workspace for a scenario, created from the starting files the first time only.

    An existing workspace is never touched: it holds the learner's edits.
    """
    target = workspaces_dir() / scenario.pack_id / scenario.id
    if target.exists():
        return target
    staging = target.with_name(target.name + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(scenario.root, staging, symlinks=True,
                    ignore=lambda folder, names: [n for n in names if n in SCENARIO_ONLY and Path(folder) == scenario.root])
    staging.rename(target)
    return target
