"""Plots hack/status-scale-bench's rows (JSON lines) into one PNG: per number
of programs M, against the number of nodes N, the status writes per user
object, the largest condition message, the operator's RSS and CPU seconds,
and the time from the last agent report to ReconcileSuccess.

Usage: status-scale-plot.py ROWS PNG
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
panels = [("writes_max", "status writes per object (most)", 10, "goal <= 10"),
          ("largest_message", "largest condition message (bytes)", 4096, "goal <= 4 KiB"),
          ("rss_end", "operator RSS with every object cached (MiB)", None, None),
          ("cpu_seconds", "operator CPU (s)", None, None),
          ("last_report_to_success_ms", "last report -> ReconcileSuccess (ms)", None, None),
          ("kb_per_object", "operator KB per cached Node or BpfProgram", 6, "goal <= 6 KB")]
fig, axes = plt.subplots(2, 3, figsize=(15, 8))
for ax, (key, title, goal, goal_label) in zip(axes.flat, panels):
    for m in sorted({r["programs"] for r in rows}):
        pts = sorted((r["nodes"], r[key]) for r in rows if r["programs"] == m and r[key] is not None)
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"M={m} programs")
    if goal is not None:
        ax.axhline(goal, color="red", linestyle="--", linewidth=1, label=goal_label)
    ax.set_xscale("log")
    ax.set_xlabel("nodes (N)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
fig.suptitle("bpfman-operator status at scale (kubesim, simulated agents)")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
