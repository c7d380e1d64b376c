#!/usr/bin/env python3
"""Pick the White House paragraphs to label, reproducibly (fixed seed).

Reads the output of scripts/wh_paragraphs.py. Keeps paragraphs of 25 to 200 words that
mention the war, drops repeated texts, then draws quotas from keyword groups so that the
rarer frames (talks and ceasefires, China, escalation, NATO) get enough candidates, with at
most 4 paragraphs per document so that many documents (the unit of the train/test split)
are represented. Keywords only steer the sample; the labels come from people reading the
codebook.

A second round adds to what is labeled: --exclude names the labeled CSV, whose ids and texts
are not drawn again and whose paragraphs count toward each document's limit. The draw is the
same (seed, quotas, order) over what is left.

usage: scripts/select_paragraphs.py paragraphs.jsonl [N] [--exclude labeled.csv] > selected.jsonl
"""
import csv
import json
import random
import re
import sys

SEED = 20221122
WAR = re.compile(r"Ukrain|Russia|Putin|Kremlin|Kyiv|Moscow|Zelensk|NATO|Crimea|Donbas|Bucha|Mariupol", re.I)
GROUPS = [  # (name, pattern, share of the sample)
    ("talks", r"cease-?fire|negotiat|peace talks|diplomac|dialogue|just and lasting peace|peace formula|truce", 0.18),
    ("nato", r"NATO expan|NATO enlarg|provok|encircle|security concerns|Cold War", 0.08),
    ("china", r"China|PRC|Beijing|Chinese|Xi Jinping", 0.12),
    ("escalation", r"nuclear|escalat|mobiliz|Article 5|World War|direct conflict|spill", 0.14),
    ("humanitarian", r"refugee|humanitarian|civilian|children|hospital|grain|food|displaced|deport", 0.14),
    ("economy", r"sanction|export control|price cap|oil|energy|econom|inflation|gas price|assets", 0.14),
    ("any", r".", 0.20),
]
PER_DOC = 4


def norm(text):
    return re.sub(r"\W+", " ", text.lower()).strip()


def main():
    args = sys.argv[1:]
    labeled = []
    if "--exclude" in args:
        i = args.index("--exclude")
        labeled = list(csv.DictReader(open(args[i + 1], encoding="utf-8")))
        del args[i:i + 2]
    rows = [json.loads(line) for line in open(args[0], encoding="utf-8")]
    n = int(args[1]) if len(args) > 1 else 600
    seen, pool = {norm(r["text"]) for r in labeled}, []
    taken = {r["id"] for r in labeled}
    per_doc = {}
    for r in labeled:
        per_doc[r["document"]] = per_doc.get(r["document"], 0) + 1
    for r in rows:
        key = norm(r["text"])
        if 25 <= r["n_words"] <= 200 and WAR.search(r["text"]) and key not in seen:
            seen.add(key)
            pool.append(r)
    rng = random.Random(SEED)
    rng.shuffle(pool)
    chosen = []
    for name, pattern, share in GROUPS:
        quota = round(n * share)
        rx = re.compile(pattern, re.I)
        for r in pool:
            if quota == 0:
                break
            if r["id"] in taken or per_doc.get(r["document"], 0) >= PER_DOC or not rx.search(r["text"]):
                continue
            taken.add(r["id"])
            per_doc[r["document"]] = per_doc.get(r["document"], 0) + 1
            chosen.append(r)
            quota -= 1
    chosen.sort(key=lambda r: (r["document"], int(r["id"].rsplit("#", 1)[1])))
    for r in chosen:
        print(json.dumps({k: r[k] for k in ("id", "document", "source", "date", "text")}, ensure_ascii=False))


if __name__ == "__main__":
    main()
