"""Stored nights: the run store's night tables (runs, decisions, workload) seen through the
keyed interface the lifecycle keeps every planner's runs in."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from engine.store.runs import Snapshot, Store


class NightStore(Store):
    """Nights keyed by their run key; each PDU's night is held by one run."""

    kind = "allocation"

    def find(self, key: str) -> dict[str, Any] | None:
        """The stored night's run row (summary JSON included), or None."""
        return self.find_run(key)

    def load(self, key: str) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
        """The stored night's decisions and workload, and its summary."""
        decisions, workload = self.load_results(key)
        row = self.find_run(key)
        assert row is not None, f"run {key} was found before it was loaded"
        return {"decisions": decisions, "workload": workload}, json.loads(row["summary_json"])

    def save(
        self,
        key: str,
        period: str,
        inputs: Snapshot,
        config: Any,
        summary: dict[str, Any],
        frames: dict[str, pd.DataFrame],
        replace: bool = False,
        pdus: Sequence[str] = (),
        supersede: bool = False,
    ) -> None:
        """The night, its input snapshot, decisions, workload and night claims, in one
        transaction (Store.save_run)."""
        run = {
            "run_id": key,
            "created_at": pd.Timestamp.now(tz="UTC").to_pydatetime(),
            "run_date": period,
            "scope": summary["scope"],
            "solver": summary["solver"],
            "inputs_hash": inputs.inputs_hash,
            "config_json": json.dumps(config.as_dict()),
            "summary_json": json.dumps(summary),
        }
        self.save_run(
            run,
            frames["decisions"],
            frames["workload"],
            replace=replace,
            pdus=pdus,
            supersede=supersede,
            inputs=inputs,
        )
