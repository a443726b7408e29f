"""Files out of a run (allocations.csv, workload.csv, summary.json, explanations.jsonl,
report.md) and the readable summary printed at the end of a night."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from engine.core.export import write_csv, write_json, write_text

ALLOCATION_COLUMNS = [
    "case_id",
    "practitioner_id",
    "status",
    "reason",
    "travel_minutes",
    "travel_method",
    "previous_practitioner_id",
    "flags",
    "allocation_due",
    "first_appointment_due",
    "move_reason",
]
WORKLOAD_COLUMNS = ["practitioner_id", "points", "available_points", "utilisation", "new_cases"]


def export_files(
    out: str | Path, decisions: pd.DataFrame, workload: pd.DataFrame, summary: dict
) -> list[Path]:
    """allocations.csv, workload.csv, summary.json, explanations.jsonl and report.md in `out`,
    each written atomically."""
    out = Path(out)
    d = decisions.copy()
    d["travel_minutes"] = d["travel_minutes"].astype("Int64")
    explained = "".join(
        json.dumps({"case_id": cid, "status": status, **json.loads(exp)}) + "\n"
        for cid, status, exp in zip(d["case_id"], d["status"], d["explanation_json"])
        if isinstance(exp, str) and exp
    )
    return [
        write_csv(out / "allocations.csv", d[ALLOCATION_COLUMNS]),
        write_csv(out / "workload.csv", workload[WORKLOAD_COLUMNS]),
        write_json(out / "summary.json", summary),
        write_text(out / "explanations.jsonl", explained),
        write_text(out / "report.md", render_markdown(summary, d)),
    ]


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def scope_text(scope: str) -> str:
    """'region=*;pdu=*' -> 'all regions'; 'region=Wales;pdu=*' -> 'region Wales'."""
    parts = dict(p.split("=", 1) for p in scope.split(";"))
    if parts.get("pdu", "*") != "*":
        return f"PDU {parts['pdu']}"
    return "all regions" if parts.get("region", "*") == "*" else f"region {parts['region']}"


def examples(decisions: pd.DataFrame, per_status: int = 2) -> str:
    """A few proposals with their reasons, one block per status, for the end of a run."""
    out = []
    for status in ("NEW", "MOVED", "UNALLOCATED"):
        rows = decisions[decisions["status"] == status].head(per_status)
        for r in rows.itertuples():
            who = f" -> {r.practitioner_id}" if isinstance(r.practitioner_id, str) else ""
            out.append(f"  {status:<11} {r.case_id}{who}: {r.reason}")
    return "\n".join(out)


def render_summary(summary: dict) -> str:
    c, g = summary["counts"], summary["greedy"]
    gap = summary["gap"]
    lines = [
        f"Night of {summary['run_date']} ({scope_text(summary['scope'])}), solver {summary['solver']}, "
        f"run {summary['run_id'][:12]}",
        f"  cases {summary['cases']}: kept {c['KEPT']}, new {c['NEW']}, moved {c['MOVED']}, unallocated {c['UNALLOCATED']}"
        f" (of which overdue {summary['overdue_unallocated']})"
        + (f"; custody not yet due {c['FUTURE']}" if c.get("FUTURE") else ""),
        f"  utilisation: max {summary['max_utilisation']:.1%}, mean {summary['mean_utilisation']:.1%}, "
        f"std {summary['std_utilisation']:.2%}; highest among those given new work "
        f"{_pct(summary.get('max_utilisation_receiving'))}",
        f"  greedy baseline: unallocated {g['unallocated']}, max {g['max_utilisation']:.1%}, std {g['std_utilisation']:.2%}",
        f"  status {summary['status']}, objective {summary['objective']}, bound {summary['bound']}, "
        f"gap {'n/a' if gap is None else f'{gap:.2%}'}; solve {summary['solve_seconds']}s, total {summary.get('seconds', '?')}s",
        f"  travel over the target (recorded exceptions) {summary['travel_exceptions']}; travel figures for tonight's "
        f"decisions by method: "
        + "; ".join(f"{k}: {v}" for k, v in summary["travel_methods"].items()),
    ]
    for f in summary.get("failed_parts", []):
        lines.append(
            f"  PART FAILED {f['component']}: {f['error']} (its cases carry the least-loaded greedy proposal)"
        )
    return "\n".join(lines)


def _cell(value: object) -> str:
    """A Markdown table cell: a '|' inside it would end the cell, a line break the row."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: dict, decisions: pd.DataFrame) -> str:
    pending = decisions[~decisions["status"].isin(["KEPT", "FUTURE"])]
    future = decisions[decisions["status"] == "FUTURE"]
    out = [
        "# Nightly allocation proposals",
        "",
        "Proposals for the Senior Probation Officer to confirm.",
        "",
        "```",
        render_summary(summary),
        "```",
        "",
        "## Proposals",
        "",
        "| case | status | practitioner | travel (min) | flags | reason |",
        "|---|---|---|---|---|---|",
    ]
    for r in pending.itertuples():
        minutes = "" if pd.isna(r.travel_minutes) else int(r.travel_minutes)
        cells = [r.case_id, r.status, r.practitioner_id or "", minutes, r.flags, r.reason]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if len(future):
        out += [
            "",
            "## Custody cases not yet due",
            "",
            "| case | allocation due | first appointment by | why |",
            "|---|---|---|---|",
        ]
        for r in future.itertuples():
            cells = [r.case_id, r.allocation_due, r.first_appointment_due or "", r.reason]
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    credit = "Boundaries: ONS, Open Government Licence v3.0."
    if summary.get("travel_network"):
        credit += " Road network © OpenStreetMap contributors (ODbL 1.0)."
    out += ["", credit]
    return "\n".join(out) + "\n"
