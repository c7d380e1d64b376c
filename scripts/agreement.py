#!/usr/bin/env python3
"""Agreement between the two independent labelings of data/labeled/.

Reads data/labeled/annotations.csv (columns id, stance_a, frame_a, stance_b, frame_b, ...)
and writes data/labeled/AGREEMENT.md: Cohen's kappa per task, observed agreement, and the
confusion between the two labelings (rows: first labeling, columns: second).

Cohen's kappa = (p_o - p_e) / (1 - p_e), where p_o is the share of paragraphs both
labelings agree on and p_e = sum over labels of p_a(label) * p_b(label), the agreement
expected by chance from each labeling's own label shares.

usage: scripts/agreement.py [annotations.csv] [AGREEMENT.md]
"""
import collections
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LABELED = os.path.join(HERE, "..", "data", "labeled")


def kappa(a, b):
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = collections.Counter(a), collections.Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0, po


def confusion_md(a, b):
    labels = sorted(set(a) | set(b))
    counts = collections.Counter(zip(a, b))
    short = [l.replace("_", " ") for l in labels]
    lines = ["| first \\ second | " + " | ".join(short) + " | total |",
             "|---" * (len(labels) + 2) + "|"]
    for x in labels:
        row = [counts[(x, y)] for y in labels]
        cells = [f"**{c}**" if x == y else (str(c) if c else "·") for c, y in zip(row, labels)]
        lines.append(f"| {x} | " + " | ".join(cells) + f" | {sum(row)} |")
    return "\n".join(lines)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(LABELED, "annotations.csv")
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(LABELED, "AGREEMENT.md")
    rows = list(csv.DictReader(open(src, encoding="utf-8")))
    out = ["# Agreement between the two labelings", "",
           f"{len(rows)} paragraphs, each labeled twice, independently, from `data/codebook.md` "
           "and the text (see `README.md` for how). Computed by `scripts/agreement.py` from "
           "`annotations.csv`.", "",
           "**Who labeled.** Both labelings were made by AI assistants (separate instances of one",
           "language model) that never saw each other's labels; see `README.md`. Agreement between two",
           "instances of one model overstates what two human coders would reach.", "",
           "| task | Cohen's kappa | observed agreement | disagreements |", "|---|---|---|---|"]
    sections = []
    for r in rows:  # annotations.csv before round 2 had no `round` column
        r["round"] = r.get("round") or "1"
    rounds = sorted({r["round"] for r in rows}, key=int)
    for task in ("stance", "frame"):
        a = [r[f"{task}_a"] for r in rows]
        b = [r[f"{task}_b"] for r in rows]
        k, po = kappa(a, b)
        out.append(f"| {task} | {k:.3f} | {po:.3f} | {sum(x != y for x, y in zip(a, b))} |")
        sections += ["", f"## `{task}`: first labeling (rows) against second (columns)", "",
                     confusion_md(a, b)]
    if len(rounds) > 1:
        out += ["", "Per labeling round (`round` in `annotations.csv`; see `README.md`):", "",
                "| round | paragraphs | task | Cohen's kappa | observed agreement | disagreements |",
                "|---|---|---|---|---|---|"]
        for rnd in rounds:
            part = [r for r in rows if r["round"] == rnd]
            for task in ("stance", "frame"):
                a = [r[f"{task}_a"] for r in part]
                b = [r[f"{task}_b"] for r in part]
                k, po = kappa(a, b)
                out.append(f"| {rnd} | {len(part)} | {task} | {k:.3f} | {po:.3f} | "
                           f"{sum(x != y for x, y in zip(a, b))} |")
    out += sections
    out += ["", "## Adjudication", "",
            "Every paragraph on which the two labelings differ (in either task) was settled by a "
            "third reading that saw both labels, the text and the codebook, and chose one of the "
            "two labels for each task (or, once, a third label that the codebook's rules required; "
            "see the `adjudication` column). "
            "The final label and the reason are in `annotations.csv` (`stance`, `frame`, "
            "`adjudication`). Paragraphs both labelings agree on keep that label."]
    open(dst, "w", encoding="utf-8").write("\n".join(out) + "\n")
    print("\n".join(out[:8]))


if __name__ == "__main__":
    main()
