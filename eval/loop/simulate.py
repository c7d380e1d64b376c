"""Does review.csv's queue pick the paragraphs worth correcting? A simulated weekly loop.

usage: python3 eval/loop/simulate.py --framer build/framer [--data data/labeled]
                                     [--n 12,25] [--seeds 10] [--weeks 4] [--out eval/loop]
                                     [--keep-work DIR]

The repo's labeled training rows are split by document: half the documents are the base a
model starts from, the other half is cut into --weeks weekly batches (whole documents, the
labels taken off). Each week, for each way of choosing N paragraphs of the batch, the chosen
paragraphs get their gold labels back as a corrections file, the model is retrained on the
base plus every correction so far (`framer train --data base.csv --data week1.csv ...`), and
scored on data/labeled/test.csv. The ways:

* queue: the N rows of `classify --review N`'s review.csv (least certain first, spread over
  documents and labels), the default order;
* queue by task T: the same with `--review-task T`;
* random: N rows drawn at random from the batch, once per seed (1..--seeds);
* whole batch: every row of the batch corrected, what labeling everything would give.

The score is each task's macro-F1 over the labels that have test rows (report.json's
`macro_supported`): war-stance's pro_russia has none, and one prediction of it would
otherwise swing the figure by a third. Nothing here is tuned: the splits have fixed seeds,
the model is framer's default configuration, and the same test set scores every arm.
Writes RESULTS.md and results.json into --out.
"""
import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile

BASE_SEED, WEEK_SEED = 7, 5
KEEP = ["id", "document", "text"]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_csv(path, rows, fields):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


class Loop:
    def __init__(self, framer, train_csv, test_csv, weeks, work):
        self.framer, self.test, self.work = framer, test_csv, work
        rows = read_csv(train_csv)
        self.fields = list(rows[0])
        self.tasks = [f for f in self.fields if f not in ("id", "document", "source", "date", "text")]
        self.gold = {r["id"]: r for r in rows}
        docs = sorted({r["document"] for r in rows})
        random.Random(BASE_SEED).shuffle(docs)
        half = set(docs[: len(docs) // 2])
        self.base = os.path.join(work, "base.csv")
        write_csv(self.base, [r for r in rows if r["document"] in half], self.fields)
        self.n_base = sum(r["document"] in half for r in rows)
        pool_docs = sorted({r["document"] for r in rows if r["document"] not in half})
        random.Random(WEEK_SEED).shuffle(pool_docs)
        self.batches = []
        for w in range(weeks):
            chosen = set(pool_docs[w * len(pool_docs) // weeks: (w + 1) * len(pool_docs) // weeks])
            batch = [r for r in rows if r["document"] in chosen]
            path = os.path.join(work, f"batch{w + 1}.csv")
            write_csv(path, batch, KEEP)
            self.batches.append((path, [r["id"] for r in batch]))

    def run(self, *args):
        p = subprocess.run([self.framer, *args], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"framer {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")

    def score(self, model):
        report = model + "-report"
        self.run("evaluate", "--model", model, "--data", self.test, "--report", report, "--quiet")
        with open(os.path.join(report, "report.json"), encoding="utf-8") as fh:
            tasks = json.load(fh)["tasks"]
        out = {}
        for t in self.tasks:
            test = tasks[t]["test"]
            out[t] = (test.get("macro_supported") or test["macro"])["f1"]
        return out

    def arm(self, name, pick):
        """Scores per week of one way of choosing rows; pick(week, model, batch, ids, out) -> ids."""
        work = os.path.join(self.work, name)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        model = os.path.join(work, "m0")
        self.run("train", "--data", self.base, "--model", model, "--quiet")
        data, scores = ["--data", self.base], []
        for w, (batch, ids) in enumerate(self.batches, 1):
            chosen = pick(w, model, batch, ids, os.path.join(work, f"out{w}"))
            corrections = os.path.join(work, f"week{w}.csv")
            write_csv(corrections, [self.gold[i] for i in chosen], KEEP + self.tasks)
            data += ["--data", corrections]
            model = os.path.join(work, f"m{w}")
            self.run("train", *data, "--model", model, "--quiet")
            scores.append(self.score(model))
        return scores


def queue_picker(loop, n, task):
    def pick(week, model, batch, ids, out):
        extra = ["--review-task", task] if task else []
        loop.run("classify", "--model", model, "--out", out, "--review", str(n), *extra, "--quiet", batch)
        return [r["id"] for r in read_csv(os.path.join(out, "review.csv"))]
    return pick


def random_picker(n, seed):
    rng = random.Random(seed)
    return lambda week, model, batch, ids, out: rng.sample(ids, min(n, len(ids)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--framer", required=True)
    ap.add_argument("--data", default="data/labeled", help="folder with train.csv and test.csv")
    ap.add_argument("--n", default="12,25", help="paragraphs corrected a week, comma-separated")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--out", default="eval/loop")
    ap.add_argument("--keep-work", help="keep the models and files here (default: a temporary folder)")
    a = ap.parse_args()
    framer = os.path.abspath(a.framer)
    work = a.keep_work or tempfile.mkdtemp(prefix="framer-loop-")
    os.makedirs(work, exist_ok=True)
    loop = Loop(framer, os.path.join(a.data, "train.csv"), os.path.abspath(os.path.join(a.data, "test.csv")),
                a.weeks, work)
    loop.run("train", "--data", loop.base, "--model", os.path.join(work, "base"), "--quiet")
    base = loop.score(os.path.join(work, "base"))
    version = subprocess.run([framer, "--version"], capture_output=True, text=True).stdout.strip()
    results = {"framer": version, "base_rows": loop.n_base, "batch_rows": [len(ids) for _, ids in loop.batches],
               "tasks": loop.tasks, "base": base, "runs": {}}
    for n in [int(x) for x in a.n.split(",")]:
        run = {"queue": loop.arm(f"n{n}-queue", queue_picker(loop, n, None)),
               "whole": loop.arm(f"n{n}-whole", lambda w, m, b, ids, o: ids),
               "random": [loop.arm(f"n{n}-random{s}", random_picker(n, s)) for s in range(1, a.seeds + 1)]}
        for t in loop.tasks:
            run["queue_by_" + t] = loop.arm(f"n{n}-queue-{t}", queue_picker(loop, n, t))
        results["runs"][str(n)] = run
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, sort_keys=True)
        fh.write("\n")
    with open(os.path.join(a.out, "RESULTS.md"), "w", encoding="utf-8") as fh:
        fh.write(render(results, a.seeds))
    if not a.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {a.out}/RESULTS.md and results.json")


def render(res, seeds):
    lines = ["# Review queue against random rows", "",
             "Command: `make loop-bench` (`python3 eval/loop/simulate.py --framer build/framer`); "
             "how it works: the docstring of `eval/loop/simulate.py`. " + res["framer"] + ".", "",
             f"Base: {res['base_rows']} training rows (half of train.csv's documents); weekly batches of "
             + ", ".join(str(x) for x in res["batch_rows"]) + " rows (the other half, by document). "
             "Scores: macro-F1 on data/labeled/test.csv over the labels with test rows. "
             f"Random: the mean over {seeds} seeds, (lowest..highest); *beats* is how many of the "
             "random seeds the queue scores above.", ""]
    for t in res["tasks"]:
        lines.append(f"Base model, before any correction: {t} {res['base'][t]:.3f}.")
    lines.append("")
    for n, run in res["runs"].items():
        lines += [f"## {n} paragraphs corrected a week", "",
                  "| week | task | queue | beats | queue by this task | beats | random | whole batch |",
                  "|---:|---|---:|---:|---:|---:|---|---:|"]
        for w in range(len(run["queue"])):
            for t in res["tasks"]:
                rnd = [r[w][t] for r in run["random"]]
                q, qt = run["queue"][w][t], run["queue_by_" + t][w][t]
                lines.append(f"| {w + 1} | {t} | {q:.3f} | {sum(q > x for x in rnd)}/{len(rnd)} | {qt:.3f} | "
                             f"{sum(qt > x for x in rnd)}/{len(rnd)} | {statistics.mean(rnd):.3f} "
                             f"({min(rnd):.3f}..{max(rnd):.3f}) | {run['whole'][w][t]:.3f} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
