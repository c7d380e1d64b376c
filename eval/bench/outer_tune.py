#!/usr/bin/env python3
"""Checks `framer train --tune`'s choice on training data alone, by an outer
cross-validation grouped by document: for each of 5 outer folds, tune on the
other four and score on the held-out one (a) the point with the best mean in
the search, (b) the config's own point (plain `framer train`), and (c) what
--tune chooses, the best mean only when it beats the config's own by more
than one standard error of their paired per-fold differences (pipeline/tune.h).
The held-out rows never take part in the search, and no test set is used.

  eval/bench/outer_tune.py FRAMER TRAIN.csv TASK WORKDIR [--every-point]
  eval/bench/outer_tune.py --compare WORKDIR...

With --every-point, every point the search scored is trained on the outer
fold's training rows and scored on its held-out rows, and the script
compares selection rules (RULES: the one --tune uses and the alternatives
tried against it), each choosing from the search's own record only. It
writes WORKDIR/points.json (per outer fold: every point's settings, its
per-fold objective in the search and its held-out macro-F1) and prints each
rule's held-out macro-F1 against the config's own, fold by fold. Slower, as
every point is a training run: 13 minutes for SOTU's training rows on 2
cores, 2 for war-framing's. --compare reads the points.json of several such
runs (one per dataset) and prints each rule's mean lead over the config's own
per run, and its paired difference from the rule in use over all their
folds, with the standard error of that difference.

Groups are the `document` column, else the part of `id` before '#', else the
row. Prints one line per outer fold and the means (macro-F1)."""
import concurrent.futures
import csv
import json
import math
import os
import random
import shutil
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


def train_point(train, p, d):
    """Trains the search's point p (its record in model.json) into d/model."""
    config = {"C": p["C"], "class_weight": p["class_weight"], "solver": p["solver"],
              "min_df": p["min_df"], "ngram_range": p["ngram_range"], "char_ngrams": p["char_ngrams"]}
    if "norm" in p:
        config["norm"] = p["norm"]
    if not p["stopwords"]:
        config["stopwords"] = None
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f)
    subprocess.run(train + ["--config", os.path.join(d, "config.json"), "--model", os.path.join(d, "model")],
                   check=True)
    return os.path.join(d, "model")


# Selection rules. Each takes the search's points (point 0 the config's own;
# "mean" the objective, "folds" the per-fold objective, repeat by repeat) and
# returns the index it chooses.

def mean_of(p):
    return p["mean"] if p["mean"] is not None else -1.0


def best_mean(points):
    return max(range(len(points)), key=lambda i: (mean_of(points[i]), -i))


def paired_sd(a, b):
    d = [x - y for x, y in zip(a["folds"], b["folds"]) if x is not None and y is not None]
    return (statistics.stdev(d), len(d)) if len(d) > 1 else (0.0, len(d))


def over_default(pick, z, corrected=False):
    """pick's choice over the config's own only when it leads by more than z
    standard errors of the paired fold differences; corrected: Nadeau and
    Bengio's (2003) for overlapping training sets, sd * sqrt(1/n + 1/(K-1))."""
    def rule(points):
        b = pick(points)
        sd, n = paired_sd(points[b], points[0])
        se = sd * math.sqrt(1 / n + 1 / (K - 1)) if corrected else sd / math.sqrt(max(n, 1))
        gain = mean_of(points[b]) - mean_of(points[0])
        return b if b != 0 and gain > 0 and gain > z * se else 0
    return rule


def settings(p):
    return (p["stopwords"], p["min_df"], tuple(p["ngram_range"]), tuple(p["char_ngrams"] or ()))


def smoothed_best(points):
    """The best mean of a point and its grid neighbours in C (same settings
    and class weight, C halved and doubled)."""
    at = {(settings(p), p["class_weight"], round(math.log2(p["C"]))): i for i, p in enumerate(points)}
    def smoothed(i):
        p = points[i]
        s, cw, c = settings(p), p["class_weight"], round(math.log2(p["C"]))
        means = [mean_of(p)] + [mean_of(points[at[(s, cw, c + d)]]) for d in (-1, 1) if (s, cw, c + d) in at]
        return sum(means) / len(means)
    return max(range(len(points)), key=lambda i: (smoothed(i), -i))


def bias_corrected(points):
    """Tibshirani and Tibshirani (2009): the best mean less its estimated
    selection bias, the mean over folds of each fold's best score minus the
    chosen point's, against the config's own."""
    b = best_mean(points)
    n = len(points[0]["folds"])
    scored = [f for f in range(n) if points[b]["folds"][f] is not None]
    bias = statistics.mean(max(p["folds"][f] for p in points if p["folds"][f] is not None) - points[b]["folds"][f]
                           for f in scored)
    return b if mean_of(points[b]) - bias > mean_of(points[0]) else 0


def classifier_only(points):
    """The best of the points with the config's own vectorizer (C and class
    weight only), over the config's own by one standard error."""
    own = [i for i, p in enumerate(points) if settings(p) == settings(points[0])]
    return over_default(lambda ps: max(own, key=lambda i: (mean_of(ps[i]), -i)), 1)(points)


def vectorizer_needs(z):
    """classifier_only's choice, replaced by the best mean only when it leads
    that by more than z standard errors: a new vectorizer needs more evidence."""
    def rule(points):
        c = classifier_only(points)
        b = best_mean(points)
        sd, n = paired_sd(points[b], points[c])
        return b if b != c and mean_of(points[b]) - mean_of(points[c]) > z * sd / math.sqrt(max(n, 1)) else c
    return rule


RULES = [
    ("config's own", lambda points: 0),
    ("best mean", best_mean),
    ("--tune: 1 SE", over_default(best_mean, 1)),
    ("2 SE", over_default(best_mean, 2)),
    ("3 SE", over_default(best_mean, 3)),
    ("1 corrected SE", over_default(best_mean, 1, corrected=True)),
    ("2 corrected SE", over_default(best_mean, 2, corrected=True)),
    ("smoothed in C", smoothed_best),
    ("smoothed, 1 SE", over_default(smoothed_best, 1)),
    ("bias-corrected", bias_corrected),
    ("C, class weight only", classifier_only),
    ("vectorizer 2 SE", vectorizer_needs(2)),
    ("vectorizer 3 SE", vectorizer_needs(3)),
]


def every_point(framer, train, d, points, task):
    def held_out(ip):
        i, p = ip
        pd = os.path.join(d, "points", str(i))
        f1 = macro_f1(framer, train_point(train, p, pd), os.path.join(d, "test.csv"), task, os.path.join(pd, "report"))
        # A hundred-odd bundles a fold would fill gigabytes; the score is what is kept.
        shutil.rmtree(os.path.join(pd, "model"))
        return f1
    with concurrent.futures.ThreadPoolExecutor(max(1, min(2, os.cpu_count() or 1))) as pool:
        return list(pool.map(held_out, enumerate(points)))


def report_rules(folds):
    print("held-out macro-F1 by selection rule (mean over outer folds; then each fold's lead over the config's own, points)")
    for name, rule in RULES:
        held = [fold["held_out"][rule(fold["points"])] for fold in folds]
        leads = [(h - fold["held_out"][0]) * 100 for h, fold in zip(held, folds)]
        print(f"  {name:22s} {statistics.mean(held):.4f}  {statistics.mean(leads):+.2f}  ("
              + ", ".join(f"{x:+.1f}" for x in leads) + ")")
    print(f"  {'the best held-out':22s} {statistics.mean(max(fold['held_out']) for fold in folds):.4f}"
          "  (the grid's ceiling, itself chosen on the held-out rows)")


def compare(works):
    runs = []
    for work in works:
        path = os.path.join(work, "points.json")
        try:
            with open(path, encoding="utf-8") as f:
                runs.append(json.load(f))
        except (OSError, ValueError) as e:
            sys.exit(f"outer_tune.py: {path}: {e} (written by a run with --every-point)")
    in_use = RULES[2][1]
    print("lead over the config's own, points (mean over outer folds): " + ", ".join(works))
    print("then the paired difference from the rule in use over all folds, and its standard error")
    for name, rule in RULES:
        leads = [statistics.mean((fold["held_out"][rule(fold["points"])] - fold["held_out"][0]) * 100 for fold in run)
                 for run in runs]
        diffs = [(fold["held_out"][rule(fold["points"])] - fold["held_out"][in_use(fold["points"])]) * 100
                 for run in runs for fold in run]
        se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else 0.0
        print(f"  {name:22s} " + " ".join(f"{x:+6.2f}" for x in leads)
              + f"  mean {statistics.mean(leads):+.2f}  vs in use {statistics.mean(diffs):+.2f} (se {se:.2f})")


def main():
    if sys.argv[1:2] == ["--compare"] and len(sys.argv) > 2:
        compare(sys.argv[2:])
        return
    every = "--every-point" in sys.argv[1:]
    args = [a for a in sys.argv[1:] if a != "--every-point"]
    if len(args) != 4:
        sys.exit(__doc__)
    framer, path, task, work = args
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    groups = [group_of(r, header) for r in rows]
    order = sorted(set(groups), key=str)
    random.Random(SEED).shuffle(order)
    fold_of = {g: i % K for i, g in enumerate(order)}
    scores, folds = [], []
    for k in range(K):
        d = os.path.join(work, str(k))
        os.makedirs(d, exist_ok=True)
        write_csv(os.path.join(d, "train.csv"), header, [r for r, g in zip(rows, groups) if fold_of[g] != k])
        write_csv(os.path.join(d, "test.csv"), header, [r for r, g in zip(rows, groups) if fold_of[g] == k])
        train = [framer, "train", "--data", os.path.join(d, "train.csv"), "--task", task, "--quiet"]
        subprocess.run(train + ["--tune", "--model", os.path.join(d, "tuned")], check=True)
        with open(os.path.join(d, "tuned", "model.json"), encoding="utf-8") as f:
            tuning = json.load(f)["tuning"]
        points = tuning["points"]
        best = best_mean(points)
        chosen = points.index(tuning["chosen"])
        # A fold that held out the same documents as an earlier one counts once (tune.h).
        again = set(tuning.get("repeated_folds", []))
        for p in points:
            p["folds"] = [x for i, x in enumerate(p["folds"]) if i not in again]
        if RULES[2][1](points) != chosen:
            sys.exit(f"outer_tune.py: fold {k}: the rule '{RULES[2][0]}' here chose point {RULES[2][1](points)}, "
                     f"framer chose {chosen}: this script no longer matches pipeline/tune.c")
        test = os.path.join(d, "test.csv")
        if every:
            held = every_point(framer, train, d, points, task)
            folds.append({"points": points, "held_out": held})
            with open(os.path.join(work, "points.json"), "w", encoding="utf-8") as f:
                json.dump(folds, f)
            f_best, f_default, f_chosen = held[best], held[0], held[chosen]
        else:
            subprocess.run(train + ["--model", os.path.join(d, "default")], check=True)
            f_default = macro_f1(framer, os.path.join(d, "default"), test, task, os.path.join(d, "rep-default"))
            f_chosen = macro_f1(framer, os.path.join(d, "tuned"), test, task, os.path.join(d, "rep-tuned"))
            # When --tune kept the config's own point, the best mean needs a model of its own.
            f_best = f_chosen if chosen == best else \
                macro_f1(framer, train_point(train, points[best], os.path.join(d, "best")), test, task,
                         os.path.join(d, "rep-best"))
        scores.append((f_best, f_default, f_chosen))
        sd, n = paired_sd(points[best], points[0])
        print(f"fold {k}: gain {mean_of(points[best]) - mean_of(points[0]):+.4f}, se {sd / math.sqrt(max(n, 1)):.4f}, "
              f"{'best mean' if chosen == best and best != 0 else 'config own'} chosen; "
              f"macro-F1 best mean {f_best:.4f}, config own {f_default:.4f}, --tune {f_chosen:.4f}", flush=True)
    means = [statistics.mean(s[i] for s in scores) for i in range(3)]
    print(f"mean macro-F1: best mean {means[0]:.4f}, config own {means[1]:.4f}, --tune {means[2]:.4f}")
    if folds:
        report_rules(folds)


if __name__ == "__main__":
    main()
