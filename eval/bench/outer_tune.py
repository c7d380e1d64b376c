#!/usr/bin/env python3
"""Checks `framer train --tune`'s choice on training data alone, by an outer
cross-validation grouped by document: for each of 5 outer folds, tune on the
other four and score on the held-out one (a) the point with the best mean in
the search, (b) the config's own point (plain `framer train`), and (c) what
--tune chooses, the best mean only when it beats the config's own by more
than one standard error of their paired per-fold differences (pipeline/tune.h).
The held-out rows never take part in the search, and no test set is used.

  eval/bench/outer_tune.py FRAMER TRAIN.csv TASK WORKDIR

Groups are the `document` column, else the part of `id` before '#', else the
row. Prints one line per outer fold and the three means (macro-F1)."""
import csv
import json
import math
import os
import random
import statistics
import subprocess
import sys

K = 5
SEED = 7

csv.field_size_limit(1 << 30)


def group_of(row, header):
    if "document" in header:
        return row[header.index("document")]
    rid = row[header.index("id")] if "id" in header else ""
    return rid.split("#")[0] if "#" in rid else (rid or id(row))


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def macro_f1(framer, model, test, task, out):
    subprocess.run([framer, "evaluate", "--model", model, "--data", test, "--report", out, "--quiet"],
                   check=True, stderr=subprocess.DEVNULL)
    with open(os.path.join(out, "report.json"), encoding="utf-8") as f:
        return json.load(f)["tasks"][task]["test"]["macro"]["f1"]


def main():
    framer, path, task, work = sys.argv[1:5]
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    groups = [group_of(r, header) for r in rows]
    order = sorted(set(groups), key=str)
    random.Random(SEED).shuffle(order)
    fold_of = {g: i % K for i, g in enumerate(order)}
    scores = []
    for k in range(K):
        d = os.path.join(work, str(k))
        os.makedirs(d, exist_ok=True)
        write_csv(os.path.join(d, "train.csv"), header, [r for r, g in zip(rows, groups) if fold_of[g] != k])
        write_csv(os.path.join(d, "test.csv"), header, [r for r, g in zip(rows, groups) if fold_of[g] == k])
        train = [framer, "train", "--data", os.path.join(d, "train.csv"), "--task", task, "--quiet"]
        subprocess.run(train + ["--tune", "--model", os.path.join(d, "tuned")], check=True)
        subprocess.run(train + ["--model", os.path.join(d, "default")], check=True)
        with open(os.path.join(d, "tuned", "model.json"), encoding="utf-8") as f:
            tuning = json.load(f)["tuning"]
        points, default = tuning["points"], tuning["default"]
        best = max(range(len(points)), key=lambda i: (points[i]["mean"] if points[i]["mean"] is not None else -1, -i))
        diffs = [a - b for a, b in zip(points[best]["folds"], default["folds"]) if a is not None and b is not None]
        se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else 0.0
        gain = points[best]["mean"] - default["mean"]
        takes_best = best != 0 and gain > 0 and gain > se
        test = os.path.join(d, "test.csv")
        f_default = macro_f1(framer, os.path.join(d, "default"), test, task, os.path.join(d, "rep-default"))
        f_chosen = macro_f1(framer, os.path.join(d, "tuned"), test, task, os.path.join(d, "rep-tuned"))
        if takes_best:
            f_best = f_chosen
        else:
            # --tune kept the config's own point: the best mean needs a model of its own.
            p = points[best]
            config = {"C": p["C"], "class_weight": p["class_weight"], "solver": p["solver"],
                      "min_df": p["min_df"], "ngram_range": p["ngram_range"], "char_ngrams": p["char_ngrams"]}
            if not p["stopwords"]:
                config["stopwords"] = None
            with open(os.path.join(d, "best.json"), "w", encoding="utf-8") as f:
                json.dump(config, f)
            subprocess.run(train + ["--config", os.path.join(d, "best.json"), "--model", os.path.join(d, "best")],
                           check=True)
            f_best = macro_f1(framer, os.path.join(d, "best"), test, task, os.path.join(d, "rep-best"))
        scores.append((f_best, f_default, f_chosen))
        print(f"fold {k}: gain {gain:+.4f}, se {se:.4f}, {'best mean' if takes_best else 'config own'} chosen; "
              f"macro-F1 best mean {f_best:.4f}, config own {f_default:.4f}, --tune {f_chosen:.4f}", flush=True)
    means = [statistics.mean(s[i] for s in scores) for i in range(3)]
    print(f"mean macro-F1: best mean {means[0]:.4f}, config own {means[1]:.4f}, --tune {means[2]:.4f}")


if __name__ == "__main__":
    main()
