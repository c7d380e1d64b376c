#!/usr/bin/env python3
"""Merge the two independent labelings and the adjudication into data/labeled/.

Inputs (JSON Lines; how they were made is in data/labeled/README.md):
  POOL        the paragraphs: id, document, source, date, text (a JSON list)
  FIRST_DIR   the first labeling: *.jsonl with id, stance, frame, why
  SECOND_DIR  the second labeling, the same way
  ADJUDICATED the decisions on every paragraph the two disagree on: id, stance, frame, adjudication
Outputs:
  data/labeled/annotations.csv  id, stance_a, frame_a, stance_b, frame_b, stance, frame, adjudication,
                                round (the labeling round: 1, 2, ...)
  data/labeled/paragraphs.csv   id, document, source, date, text, stance, frame (the final labels)

With --append, the rows already in annotations.csv and paragraphs.csv are kept and the
pool's are added after them (a later labeling round; an id already there is an error).

usage: scripts/merge_annotations.py [--append] POOL FIRST_DIR SECOND_DIR ADJUDICATED
"""
import csv
import glob
import json
import os
import sys

STANCES = {"pro_ukraine", "pro_russia", "neutral"}
FRAMES = {"pro_ceasefire", "ceasefire_skeptic", "blames_nato_west", "blames_russia", "escalation_risk",
          "china_russia_ties", "humanitarian", "sanctions_economy", "military_support", "other"}
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "labeled")


def read_labeling(folder):
    labels = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.jsonl"))):
        for line in open(path, encoding="utf-8"):
            r = json.loads(line)
            assert r["stance"] in STANCES and r["frame"] in FRAMES, r
            labels[r["id"]] = r
    return labels


def write_csv(path, rows, fields):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def read_csv(path):
    return list(csv.DictReader(open(path, encoding="utf-8")))


def main():
    args = sys.argv[1:]
    append = "--append" in args
    if append:
        args.remove("--append")
    pool = json.load(open(args[0], encoding="utf-8"))
    first, second = read_labeling(args[1]), read_labeling(args[2])
    decided = {}
    for line in open(args[3], encoding="utf-8"):
        r = json.loads(line)
        assert r["stance"] in STANCES and r["frame"] in FRAMES, r
        decided[r["id"]] = r
    annotations, paragraphs = [], []
    if append:
        annotations = read_csv(os.path.join(OUT, "annotations.csv"))
        paragraphs = read_csv(os.path.join(OUT, "paragraphs.csv"))
    for a in annotations:
        a.setdefault("round", "1")
    this_round = str(max((int(a["round"]) for a in annotations), default=0) + 1)
    have = {r["id"] for r in paragraphs}
    for p in pool:
        assert p["id"] not in have, f"{p['id']} is labeled already"
        a, b = first[p["id"]], second[p["id"]]
        agree = a["stance"] == b["stance"] and a["frame"] == b["frame"]
        if agree:
            final = {"stance": a["stance"], "frame": a["frame"], "adjudication": ""}
        else:
            final = decided[p["id"]]  # every disagreement must have been adjudicated
        annotations.append({"id": p["id"], "stance_a": a["stance"], "frame_a": a["frame"],
                            "stance_b": b["stance"], "frame_b": b["frame"], "stance": final["stance"],
                            "frame": final["frame"], "adjudication": final.get("adjudication", ""),
                            "round": this_round})
        paragraphs.append({**{k: p[k] for k in ("id", "document", "source", "date", "text")},
                           "stance": final["stance"], "frame": final["frame"]})
    write_csv(os.path.join(OUT, "annotations.csv"), annotations,
              ["id", "stance_a", "frame_a", "stance_b", "frame_b", "stance", "frame", "adjudication", "round"])
    write_csv(os.path.join(OUT, "paragraphs.csv"), paragraphs,
              ["id", "document", "source", "date", "text", "stance", "frame"])
    print(f"{len(paragraphs)} paragraphs, {sum(1 for a in annotations if a['adjudication'])} adjudicated")


if __name__ == "__main__":
    main()
