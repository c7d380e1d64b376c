#!/usr/bin/env python3
"""Split data/labeled/paragraphs.csv into train.csv and test.csv, reproducibly.

- By document: all paragraphs of a document land on the same side, so no article is both
  learned from and tested on.
- About 80/20, stratified by frame: documents are placed one at a time (largest first, ties
  broken by a fixed-seed shuffle) on the side that brings each frame's test share closest
  to 20%.
- No text on both sides: texts are compared after folding case and punctuation, and a
  repeated text is kept once (its first occurrence).

usage: scripts/split.py [paragraphs.csv] [outdir]
"""
import collections
import csv
import os
import random
import re
import sys

SEED = 20221122
TEST_SHARE = 0.2
COLUMNS = ["id", "document", "source", "date", "text", "stance", "frame"]
HERE = os.path.dirname(os.path.abspath(__file__))


def norm(text):
    return re.sub(r"\W+", " ", text.lower()).strip()


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "data", "labeled", "paragraphs.csv")
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(src)
    rows, seen = [], set()
    for r in csv.DictReader(open(src, encoding="utf-8")):
        key = norm(r["text"])
        if key in seen:
            continue
        seen.add(key)
        rows.append(r)
    by_doc = collections.OrderedDict()
    for r in rows:
        by_doc.setdefault(r["document"], []).append(r)
    total = collections.Counter(r["frame"] for r in rows)
    docs = list(by_doc)
    random.Random(SEED).shuffle(docs)
    docs.sort(key=lambda d: -len(by_doc[d]))  # stable: the shuffle breaks ties

    test = collections.Counter()
    n_test, side = 0, {}
    for d in docs:
        frames = collections.Counter(r["frame"] for r in by_doc[d])
        # How far each side would leave the frames from their target test share.
        def error(in_test):
            e = 0.0
            for f in total:
                t = test[f] + (frames[f] if in_test else 0)
                e += (t / total[f] - TEST_SHARE) ** 2
            size = (n_test + (len(by_doc[d]) if in_test else 0)) / len(rows)
            return e + 4 * (size - TEST_SHARE) ** 2
        in_test = error(True) < error(False)
        side[d] = "test" if in_test else "train"
        if in_test:
            test.update(frames)
            n_test += len(by_doc[d])

    out = {"train": [], "test": []}
    for r in rows:
        out[side[r["document"]]].append(r)
    for name, part in out.items():
        with open(os.path.join(outdir, f"{name}.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
            w.writeheader()
            w.writerows(part)

    train_docs = {r["document"] for r in out["train"]}
    test_docs = {r["document"] for r in out["test"]}
    assert not train_docs & test_docs, "a document on both sides"
    assert not {norm(r["text"]) for r in out["train"]} & {norm(r["text"]) for r in out["test"]}
    print(f"train {len(out['train'])} rows / {len(train_docs)} documents; "
          f"test {len(out['test'])} rows / {len(test_docs)} documents")
    for f in sorted(total):
        print(f"  {f:18} {total[f] - test[f]:4} train {test[f]:4} test ({test[f] / total[f]:.0%})")


if __name__ == "__main__":
    main()
