"""framer's benchmark against scikit-learn, fastText and LIBSVM's tools.

usage: /usr/bin/python3 eval/bench/run.py --datasets ../shared/datasets --framer build/framer
                                          --out eval/bench [--labeled data/labeled]
                                          [--keep-work DIR] [--quick] [--repeats N]
                                          [--only gvfc,sotu,...] [--accuracy-only]

What it measures, all in one invocation so the systems share the machine's state:

* Accuracy and macro-F1 (scikit-learn's f1_score, average='macro') on five datasets:
  gvfc, ag-news and sotu split once 80/20 (whole `group`s on one side where there is a
  group column, else by row; random.Random(20221122)), and war-framing and war-stance (the
  repo's data/labeled train.csv / test.csv, tasks `frame` and `stance`). Every system sees
  the same rows.
* F_avg (SemEval-2016 Task 6) where the task has a none class, war-stance's `neutral`: the
  mean F1 of the other labels, the none class's rows still counting (a stance predicted for
  one is a false positive), a label's F1 0 where precision or recall is undefined. Averaged
  over the labels with test rows (`f_avg`; war-stance's `pro_russia` has none, so it is
  `pro_ukraine`'s F1); `f_avg_strict` adds the trained labels without test rows, as the
  official scorer's fixed classes would, each an F1 of 0 for every system (see score()).
* Per system and dataset: training seconds, classify seconds, paragraphs/s, MB/s (test CSV
  bytes / classify seconds) and the peak resident memory of the training and classifying
  processes. Every system runs as a child process; time is wall clock from start to exit,
  memory is that child's ru_maxrss from os.wait4 (its own and its waited-for children's
  maximum, never RUSAGE_CHILDREN summed over the run), collected by the tiny launcher
  measure.py so the runner's own memory is not inherited into the figure.
    - framer: `framer train` / `framer classify --format jsonl`, whole processes.
    - scikit-learn TF-IDF (sublinear, 1-2 grams, min_df 2) + LinearSVC(random_state=0), and
      + SVC(kernel='linear'): training seconds are fit_transform + fit, timed inside the
      training process (sk_train.py); classify is a separate process (sk_classify.py):
      start-up, unpickling, reading the CSV, predicting, writing labels.
    - fastText: `fasttext supervised -wordNgrams 2 -thread 1 -seed 1` on lowercased,
      punctuation-split text; classify end to end (ft_classify.py: read CSV, tokenize,
      `fasttext predict`, write labels) and `fasttext predict` alone on pre-tokenized text.
      An extra row, not used by the targets, trains with fastText's tutorial settings for
      small data (-lr 1.0 -epoch 25): the defaults underfit datasets of a few thousand rows.
    - LIBSVM's svm-train -t 0 -c 1 / svm-predict on the same TF-IDF features in svmlight
      format (made by this runner, untimed), up to 10,000 training rows, 600 s per run.
* Speed run: 50,000 replicated SOTU passages labeled by framer (--threads 1 and its
  default, every core), LinearSVC and fastText (end to end and predict only) with their sotu
  models, interleaved, median of --repeats. The speed targets are on one thread; the
  two framer runs' labels must be byte-identical.
* Scale series: framer classify on 10k, 100k and 1M paragraphs alternating SOTU passages
  and AG News texts (sotu model): seconds, paragraphs/s, MB/s, peak RSS; the largest again
  with --threads 1 and the default, interleaved, 3 runs of each, for the median speed-up of
  the default (every core) and identical labels.
* Paired bootstrap (paired_bootstrap.py): framer's and framer --tune's macro-F1 difference
  to each peer on 2,000 resamples of the test set, every system on the same resamples, whole
  documents drawn where the split keeps documents together (SOTU, war-framing, war-stance),
  rows otherwise (GVFC, AG News); numpy default_rng(20221122). Per pair: the ΔF1 point
  estimate, its 95% percentile interval and the share of resamples where framer is ahead
  ("bootstrap" in the JSON, a table under each dataset's table); the same for F_avg on the
  same resamples where there is one (the pair's "f_avg").
* The issue's targets, each reported met / not met with the gap (never a failure); the
  macro-F1 targets also give their gap's bootstrap interval (evidence only: met or not is
  still the point estimate). Every dataset has the same targets, war-stance included; they
  are on macro-F1, and F_avg is reported beside it, not a target.
* framer --tune: macro-F1 of `framer train --tune` beside framer's defaults, LinearSVC and
  fastText per dataset, with the tuning time and the chosen setting (section "framer --tune").

--only NAMES runs those datasets only (comma-separated). --accuracy-only runs just the
accuracy comparison the tuning targets need (framer, framer --tune, LinearSVC, fastText; no
SVC, LIBSVM tools, tuned fastText, speed run or scale series), writes tuned.json and
replaces only the "framer --tune" section of RESULTS.md, keeping the rest of the last full
run: e.g. `--only gvfc,war-framing --accuracy-only` after changing the tuner. That section's
rows for datasets not run are kept, marked "(earlier run)".

Writes RESULTS.md, results.json and tuned.json (the --accuracy-only systems' part of
results.json, so it is never older than the rest) into --out (atomically). Exit status: 0
when every run finished (timeouts and skips are notes), 1 when a system failed, 2 when a
dataset, a tool or a Debian package is missing.
"""
import argparse
import csv
import datetime
import filecmp
import importlib
import json
import os
import platform
import random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import textprep  # noqa: E402

SEED = 20221122
TIMEOUT_S = 1800
LIBSVM_TIMEOUT_S = 600
LIBSVM_MAX_TRAIN_ROWS = 10_000
SVC_MAX_TRAIN_ROWS = 20_000
F1_MARGIN_POINTS = 0.5
NONE_LABEL = "<none>"  # a missing prediction (not a stance task's none class)

FULL = {"datasets": ["gvfc", "ag-news", "sotu", "war-framing", "war-stance"],
        "speed_rows": 50_000, "scale_sizes": [10_000, 100_000, 1_000_000]}
QUICK = {"datasets": ["gvfc", "war-framing", "war-stance"],
         "speed_rows": 5_000, "scale_sizes": [10_000, 100_000]}
# The repo's own split (data/labeled): dataset: (task column, its none class for F_avg or None).
LABELED = {"war-framing": ("frame", None), "war-stance": ("stance", "neutral")}

SYSTEMS = ["framer", "framer-tuned", "sklearn-linearsvc", "sklearn-svc", "fasttext", "fasttext-predict",
           "fasttext-tuned", "libsvm-tools"]
ACCURACY_SYSTEMS = ["framer", "framer-tuned", "sklearn-linearsvc", "fasttext", "fasttext-predict"]
FASTTEXT_TUNED = ["-lr", "1.0", "-epoch", "25"]
SYSTEM_NAMES = {"framer": "framer", "framer-1t": "framer --threads 1", "framer-tuned": "framer --tune (train time includes the search)",
                "sklearn-linearsvc": "scikit-learn LinearSVC",
                "sklearn-svc": "scikit-learn SVC (linear, LIBSVM)",
                "fasttext": "fastText (end to end)",
                "fasttext-predict": "fastText predict only (pre-tokenized)",
                "fasttext-tuned": "fastText -lr 1.0 -epoch 25 (end to end; not in targets)",
                "libsvm-tools": "LIBSVM svm-train / svm-predict"}


class Missing(Exception):
    """A dataset, tool or package the benchmark needs is absent."""


# --------------------------------------------------------------------------- processes

class Run:
    """One measured child process."""

    def __init__(self, cmd, seconds, maxrss_kib, returncode, timed_out, stderr):
        self.cmd, self.seconds, self.maxrss_kib = cmd, seconds, maxrss_kib
        self.returncode, self.timed_out, self.stderr = returncode, timed_out, stderr
        self.stderr_tail = " | ".join(stderr.strip().splitlines()[-3:])[-400:]

    @property
    def ok(self):
        return self.returncode == 0 and not self.timed_out

    def problem(self):
        if self.timed_out:
            return f"timed out after {self.seconds:.0f} s"
        if self.returncode != 0:
            return f"exited with {self.returncode}: {self.stderr_tail}"
        return None


def run_measured(cmd, work, timeout=TIMEOUT_S, stdout_path=None, cwd=None):
    """Run cmd to completion through measure.py: wall seconds and its own peak RSS.

    The launcher forks the command and collects it with os.wait4, so the figure is
    the command's own (with its waited-for children), not this runner's memory.
    """
    err_fd, err_path = tempfile.mkstemp(prefix="stderr-", dir=work)
    res_fd, res_path = tempfile.mkstemp(prefix="measure-", suffix=".json", dir=work)
    os.close(res_fd)
    killed = threading.Event()
    launcher = [sys.executable, "-S", "-B", os.path.join(HERE, "measure.py"), res_path,
                stdout_path or "-"]
    try:
        p = subprocess.Popen(launcher + list(cmd), stdout=subprocess.DEVNULL, stderr=err_fd,
                             stdin=subprocess.DEVNULL, cwd=cwd, start_new_session=True)

        def kill():
            killed.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        p.wait()
        timer.cancel()
    finally:
        os.close(err_fd)
    with open(err_path, encoding="utf-8", errors="replace") as f:
        stderr = f.read(1 << 20)
    with open(res_path) as f:
        text = f.read()
    os.unlink(err_path)
    os.unlink(res_path)
    if killed.is_set() or not text:
        return Run(cmd, float(timeout), None, -9, killed.is_set(), stderr or "killed")
    m = json.loads(text)
    return Run(cmd, m["seconds"], m["maxrss_kib"], m["returncode"], False, stderr)


def helper(name):
    """Command prefix for one of this folder's helper scripts."""
    return [sys.executable, "-B", os.path.join(HERE, name)]


# --------------------------------------------------------------------------- data

class Dataset:
    """One benchmark task: the train/test CSVs every system reads.

    none_label: a stance task's "none" class (SemEval-2016 Task 6's NONE), for F_avg: the mean
    F1 of the other labels that have test rows (f_avg_labels). strict_labels adds the labels
    that have training rows only: SemEval's scorer averages its classes whether or not the
    test set holds them, giving such a label F1 0 whatever a system predicts."""

    def __init__(self, name, train_csv, test_csv, label_col, note="", none_label=None):
        self.name, self.train_csv, self.test_csv = name, train_csv, test_csv
        self.label_col, self.note, self.none_label = label_col, note, none_label
        self.train = [r for r in textprep.read_rows(train_csv, label_col) if r[2]]
        self.test = [r for r in textprep.read_rows(test_csv, label_col) if r[2]]
        self.test_bytes = os.path.getsize(test_csv)
        self.units = test_units(test_csv, self.test)
        self.predictions = {}  # system: labels in test row order, kept for the bootstrap
        self.f_avg_labels = self.strict_labels = None
        if none_label is not None:
            self.f_avg_labels = sorted({r[2] for r in self.test} - {none_label})
            self.strict_labels = sorted({r[2] for r in self.train + self.test} - {none_label})

    def to_json(self):
        info = {"train_csv": self.train_csv, "test_csv": self.test_csv,
                "label_column": self.label_col, "train_rows": len(self.train),
                "test_rows": len(self.test), "test_csv_bytes": self.test_bytes,
                "labels": sorted({r[2] for r in self.train}), "split": self.note}
        if self.none_label is not None:
            info["f_avg"] = {"none_label": self.none_label, "labels": self.f_avg_labels,
                             "strict_labels": self.strict_labels}
        return info


def test_units(path, rows):
    """The bootstrap's resampling unit of each test row: its document where the split keeps
    documents whole (the `group` column, the repo's `document`), else the row itself."""
    with open(path, encoding="utf-8", newline="") as f:
        document = {rec.get("id") or str(n): rec.get("group") or rec.get("document")
                    for n, rec in enumerate(csv.DictReader(f), 1)}
    return ["document " + document[r[0]] if document.get(r[0]) else "row " + r[0] for r in rows]


def read_dicts(path):
    if not os.path.isfile(path):
        raise Missing(f"dataset file not found: {path}")
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def split_rows(rows):
    """80/20 split, whole groups on one side when rows have a group; fixed seed."""
    rng = random.Random(SEED)
    if rows and rows[0].get("group"):
        groups = list(dict.fromkeys(r["group"] for r in rows))
        rng.shuffle(groups)
        sizes = {}
        for r in rows:
            sizes[r["group"]] = sizes.get(r["group"], 0) + 1
        test_groups, taken = set(), 0
        for g in groups:
            if taken >= 0.2 * len(rows):
                break
            test_groups.add(g)
            taken += sizes[g]
        is_test = [r["group"] in test_groups for r in rows]
        how = f"by group: {len(test_groups)} of {len(groups)} groups in test"
    else:
        order = list(range(len(rows)))
        rng.shuffle(order)
        test_idx = set(order[:round(0.2 * len(rows))])
        is_test = [i in test_idx for i in range(len(rows))]
        how = "by row"
    train = [r for r, t in zip(rows, is_test) if not t]
    test = [r for r, t in zip(rows, is_test) if t]
    return train, test, f"80/20 {how}, random.Random({SEED})"


def write_csv(path, rows, columns=("id", "text", "label")):
    """rows as CSV; a `group` column too when the rows have one, so that framer's
    cross-validation (calibration, --tune) keeps a group on one side of each fold,
    as the test split does. The peers read id, text and label only."""
    if isinstance(rows, list) and rows and "group" not in columns and rows[0].get("group"):
        columns = tuple(columns) + ("group",)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow([r[c] for c in columns])


def prepare_split_dataset(name, source, work):
    rows = read_dicts(source)
    train, test, how = split_rows(rows)
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    train_csv, test_csv = os.path.join(d, "train.csv"), os.path.join(d, "test.csv")
    write_csv(train_csv, train)
    write_csv(test_csv, test)
    return Dataset(name, train_csv, test_csv, "label", how)


def prepare_datasets(names, args, work):
    sources = {"gvfc": os.path.join(args.datasets, "gvfc", "frames.csv"),
               "ag-news": os.path.join(args.datasets, "ag-news", "ag_news_test.csv"),
               "sotu": os.path.join(args.datasets, "sotu", "passages.csv")}
    out = {}
    for name in names:
        if name in LABELED:
            train = os.path.join(args.labeled, "train.csv")
            test = os.path.join(args.labeled, "test.csv")
            for p in (train, test):
                if not os.path.isfile(p):
                    raise Missing(f"dataset file not found: {p}")
            task, none_label = LABELED[name]
            out[name] = Dataset(name, train, test, task, "the repo's split, by document",
                                none_label)
        else:
            out[name] = prepare_split_dataset(name, sources[name], work)
    return out


def replicated_rows(sources, n, tag):
    """n (id, text) rows cycling through the source lists in turn, ids made unique."""
    k = len(sources)
    for i in range(n):
        src = sources[i % k]
        rid, text = src[(i // k) % len(src)][:2]
        yield {"id": f"{tag}{i}:{rid}", "text": text}


def write_replicated(path, sources, n, tag):
    write_csv(path, replicated_rows(sources, n, tag), columns=("id", "text"))
    return os.path.getsize(path)


# --------------------------------------------------------------------------- scoring

def score(dataset, system, predicted):
    """Accuracy and macro-F1 of {id: label} on the dataset's test rows, and F_avg where the
    dataset has a none class; the labels are kept in the dataset, by system, for the paired
    bootstrap.

    F_avg is SemEval-2016 Task 6's: the mean F1 of the stance labels, the none class's rows
    counting as rows (a stance predicted for one is a false positive) but its F1 left out, and
    a label's F1 0 where its precision or recall is undefined (zero_division=0, as the official
    scorer). Averaged over the non-none labels with test rows (f_avg); f_avg_strict averages
    every non-none label the systems were trained on, so a label without test rows adds an F1
    of 0 for every system."""
    from sklearn.metrics import accuracy_score, f1_score
    truth = [r[2] for r in dataset.test]
    pred = [predicted.get(r[0]) or NONE_LABEL for r in dataset.test]
    dataset.predictions[system] = pred
    labels = sorted(set(truth) | (set(pred) - {NONE_LABEL}))
    r = {"accuracy": float(accuracy_score(truth, pred)),
         "macro_f1": float(f1_score(truth, pred, labels=labels, average="macro",
                                    zero_division=0)),
         "missing_predictions": pred.count(NONE_LABEL)}
    # A label predicted but without test rows counts in macro-F1 with F1 0 (scikit-learn's
    # default label set, as in framer's own report): one such prediction moves macro-F1 by a
    # whole label's share. Kept as it is, and said in a note with the figure over the test
    # rows' labels beside it (framer's report's macro_supported).
    tested, stray = set(truth), {}
    for p in pred:
        if p != NONE_LABEL and p not in tested:
            stray[p] = stray.get(p, 0) + 1
    if stray:
        r["predicted_without_test_rows"] = dict(sorted(stray.items()))
        r["macro_f1_test_labels"] = float(f1_score(truth, pred, labels=sorted(tested),
                                                   average="macro", zero_division=0))
    if dataset.none_label is not None:
        for key, averaged in (("f_avg", dataset.f_avg_labels),
                              ("f_avg_strict", dataset.strict_labels)):
            r[key] = (float(f1_score(truth, pred, labels=averaged, average="macro",
                                     zero_division=0)) if averaged else None)
    return r


def throughput(rows, nbytes, seconds):
    return {"paragraphs_per_s": rows / seconds, "mb_per_s": nbytes / 1e6 / seconds}


def result(system, train=None, classify=None, train_s=None, rows=0, nbytes=0, **extra):
    """The figures of one system on one dataset (or one timing run)."""
    r = {"system": system, "status": "ok", "notes": []}
    if train is not None:
        r.update(train_s=train_s if train_s is not None else train.seconds,
                 train_process_s=train.seconds, rss_train_kib=train.maxrss_kib)
    if classify is not None:
        r.update(classify_s=classify.seconds, rss_classify_kib=classify.maxrss_kib,
                 **throughput(rows, nbytes, classify.seconds))
    r.update(extra)
    stray = r.get("predicted_without_test_rows")
    if stray:
        r["notes"].append(
            f"{system} predicted {', '.join(f'{label} for {n} row(s)' for label, n in stray.items())}"
            f" ({'a label' if len(stray) == 1 else 'labels'} without test rows): its macro-F1 "
            f"averages {'that' if len(stray) == 1 else 'each'} F1 of 0 with the test "
            f"rows' labels ({r['macro_f1']:.4f}); over the test rows' labels alone it is "
            f"{r['macro_f1_test_labels']:.4f} (macro_f1_test_labels)")
    return r


def failed(system, run, what, timeout_is_note=True):
    problem = run.problem()
    status = "timeout" if run.timed_out else "error"
    return {"system": system, "status": status, "notes": [f"{what} {problem}"],
            "fatal": not (run.timed_out and timeout_is_note)}


def skipped(system, why):
    return {"system": system, "status": "skipped", "notes": [why]}


# --------------------------------------------------------------------------- systems

def train_framer(framer, train_csv, task, model, work, extra=()):
    return run_measured([framer, "train", *extra, "--data", train_csv, "--model", model,
                         "--task", task, "--quiet"], work)


def classify_framer(framer, model, test_csv, out_dir, task, work, extra=()):
    shutil.rmtree(out_dir, ignore_errors=True)
    run = run_measured([framer, "classify", "--model", model, "--out", out_dir, test_csv,
                        "--format", "jsonl", "--quiet", *extra], work)
    predicted = {}
    path = os.path.join(out_dir, "labels.jsonl")
    if run.ok and os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                predicted[rec["id"]] = rec[task]["label"]
    return run, predicted


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            n += block.count(b"\n")
    return n


def system_framer(ds, framer, work, tuned=False):
    """framer with its defaults, or with `train --tune` (the search on the train rows only)."""
    name = "framer-tuned" if tuned else "framer"
    d = os.path.join(work, ds.name, name)
    os.makedirs(d, exist_ok=True)
    model = os.path.join(d, "model")
    tr = train_framer(framer, ds.train_csv, ds.label_col, model, work,
                      extra=("--tune",) if tuned else ())
    if not tr.ok:
        return failed(name, tr, "framer train", timeout_is_note=False), None
    cl, predicted = classify_framer(framer, model, ds.test_csv, os.path.join(d, "out"),
                                    ds.label_col, work)
    if not cl.ok:
        return failed(name, cl, "framer classify", timeout_is_note=False), model
    r = result(name, tr, cl, rows=len(ds.test), nbytes=ds.test_bytes,
               **score(ds, name, predicted))
    if tuned:
        with open(os.path.join(model, "model.json"), encoding="utf-8") as f:
            tuning = json.load(f).get("tuning", {})
        r["tuning"] = {k: tuning.get(k) for k in ("chosen", "default", "folds", "repeats",
                                                   "search", "rows")}
        r["tuning"]["points"] = len(tuning.get("points", []))
    if r["missing_predictions"]:
        r["notes"].append(f"framer labeled {len(predicted)} of {len(ds.test)} test rows; "
                          f"the {r['missing_predictions']} missing count as wrong")
    return r, model


def train_sklearn(kind, train_csv, label_col, model, work):
    timing = model + ".timing.json"
    run = run_measured(helper("sk_train.py") + ["--kind", kind, "--train", train_csv,
                                                "--label-col", label_col, "--model", model,
                                                "--timing", timing], work)
    inner = None
    if run.ok:
        with open(timing) as f:
            inner = json.load(f)
    return run, inner


def classify_sklearn(model, test_csv, out_csv, work):
    run = run_measured(helper("sk_classify.py") + ["--model", model, "--out", out_csv, test_csv],
                       work)
    return run, (textprep.read_labels(out_csv) if run.ok else {})


def system_sklearn(ds, kind, work):
    system = "sklearn-" + kind
    if kind == "svc" and len(ds.train) > SVC_MAX_TRAIN_ROWS:
        return skipped(system, f"SVC skipped: {len(ds.train)} training rows > "
                               f"{SVC_MAX_TRAIN_ROWS}"), None
    d = os.path.join(work, ds.name, system)
    os.makedirs(d, exist_ok=True)
    model = os.path.join(d, "model.pkl")
    tr, inner = train_sklearn(kind, ds.train_csv, ds.label_col, model, work)
    if not tr.ok:
        return failed(system, tr, f"{system} training"), None
    cl, predicted = classify_sklearn(model, ds.test_csv, os.path.join(d, "labels.csv"), work)
    if not cl.ok:
        return failed(system, cl, f"{system} classify"), model
    r = result(system, tr, cl, train_s=inner["train_s"], rows=len(ds.test),
               nbytes=ds.test_bytes, fit_transform_s=inner["fit_transform_s"],
               fit_s=inner["fit_s"], features=inner["features"],
               **score(ds, system, predicted))
    if "ConvergenceWarning" in tr.stderr:
        r["notes"].append(f"{system}: liblinear reported a ConvergenceWarning")
    return r, model


def write_fasttext_input(path, rows, with_labels):
    with open(path, "w", encoding="utf-8") as f:
        for rid, text, label in rows:
            tokens = textprep.tokenize(text)
            f.write(f"{textprep.label_token(label)} {tokens}\n" if with_labels else tokens + "\n")


def train_fasttext(train_rows, prefix, work, extra=()):
    """fastText supervised on pre-tokenized text (tokenizing is not timed)."""
    txt = prefix + ".train.txt"
    write_fasttext_input(txt, train_rows, with_labels=True)
    run = run_measured(["fasttext", "supervised", "-input", txt, "-output", prefix,
                        "-wordNgrams", "2", "-thread", "1", "-seed", "1", *extra], work)
    labels = {textprep.label_token(r[2])[len(textprep.LABEL_PREFIX):]: r[2] for r in train_rows}
    return run, prefix + ".bin", labels


def classify_fasttext_e2e(model, test_csv, out_csv, labels, work):
    run = run_measured(helper("ft_classify.py") + ["--model", model, "--out", out_csv, test_csv],
                       work)
    if not run.ok:
        return run, {}
    return run, {k: labels.get(v, v) for k, v in textprep.read_labels(out_csv).items()}


def classify_fasttext_predict(model, tokenized_txt, out_txt, work):
    """fasttext predict alone; returns predictions in input order."""
    run = run_measured(["fasttext", "predict", model, tokenized_txt], work, stdout_path=out_txt)
    if not run.ok:
        return run, []
    with open(out_txt, encoding="utf-8") as f:
        return run, [line.strip()[len(textprep.LABEL_PREFIX):] for line in f]


def system_fasttext(ds, work):
    """Two results: end to end (ratios) and predict only on pre-tokenized text."""
    d = os.path.join(work, ds.name, "fasttext")
    os.makedirs(d, exist_ok=True)
    tr, model, labels = train_fasttext(ds.train, os.path.join(d, "m"), work)
    if not tr.ok:
        f = failed("fasttext", tr, "fasttext supervised")
        return f, skipped("fasttext-predict", "no fastText model"), None
    cl, predicted = classify_fasttext_e2e(model, ds.test_csv, os.path.join(d, "labels.csv"),
                                          labels, work)
    e2e = (result("fasttext", tr, cl, rows=len(ds.test), nbytes=ds.test_bytes,
                  **score(ds, "fasttext", predicted))
           if cl.ok else failed("fasttext", cl, "fastText classify"))
    tok = os.path.join(d, "test.txt")
    write_fasttext_input(tok, ds.test, with_labels=False)
    po, order = classify_fasttext_predict(model, tok, os.path.join(d, "predict.txt"), work)
    if po.ok:
        by_id = {r[0]: labels.get(p, p) for r, p in zip(ds.test, order)}
        only = result("fasttext-predict", None, po, rows=len(ds.test), nbytes=ds.test_bytes,
                      tokenized_bytes=os.path.getsize(tok),
                      **score(ds, "fasttext-predict", by_id))
    else:
        only = failed("fasttext-predict", po, "fasttext predict")
    return e2e, only, model


def system_fasttext_tuned(ds, work):
    """fastText with the tutorial's small-data settings: an informative row only."""
    system = "fasttext-tuned"
    d = os.path.join(work, ds.name, system)
    os.makedirs(d, exist_ok=True)
    tr, model, labels = train_fasttext(ds.train, os.path.join(d, "m"), work, FASTTEXT_TUNED)
    if not tr.ok:
        return failed(system, tr, "fasttext supervised (tuned)")
    cl, predicted = classify_fasttext_e2e(model, ds.test_csv, os.path.join(d, "labels.csv"),
                                          labels, work)
    remove_fasttext_model(model)
    if not cl.ok:
        return failed(system, cl, "fastText classify (tuned)")
    return result(system, tr, cl, rows=len(ds.test), nbytes=ds.test_bytes,
                  **score(ds, system, predicted))


def system_libsvm(ds, work):
    """svm-train / svm-predict on the TF-IDF features, written by this process (untimed)."""
    system = "libsvm-tools"
    if len(ds.train) > LIBSVM_MAX_TRAIN_ROWS:
        return skipped(system, f"LIBSVM tools skipped: {len(ds.train)} training rows > "
                               f"{LIBSVM_MAX_TRAIN_ROWS} (kernel training is quadratic)")
    from sklearn.datasets import dump_svmlight_file
    from sklearn.feature_extraction.text import TfidfVectorizer
    d = os.path.join(work, ds.name, system)
    os.makedirs(d, exist_ok=True)
    names = sorted({r[2] for r in ds.train})
    index = {n: i + 1 for i, n in enumerate(names)}
    vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2)
    x_train = vec.fit_transform([r[1] for r in ds.train])
    x_test = vec.transform([r[1] for r in ds.test])
    train_svm, test_svm = os.path.join(d, "train.svm"), os.path.join(d, "test.svm")
    dump_svmlight_file(x_train, [index[r[2]] for r in ds.train], train_svm, zero_based=False)
    dump_svmlight_file(x_test, [index.get(r[2], 0) for r in ds.test], test_svm, zero_based=False)
    model, out = os.path.join(d, "model"), os.path.join(d, "predict.txt")
    tr = run_measured(["svm-train", "-t", "0", "-c", "1", "-q", train_svm, model], work,
                      timeout=LIBSVM_TIMEOUT_S)
    if not tr.ok:
        return failed(system, tr, "svm-train")
    cl = run_measured(["svm-predict", "-q", test_svm, model, out], work, timeout=LIBSVM_TIMEOUT_S)
    if not cl.ok:
        return failed(system, cl, "svm-predict")
    with open(out) as f:
        order = [names[int(float(line)) - 1] for line in f if line.strip()]
    r = result(system, tr, cl, rows=len(ds.test), nbytes=ds.test_bytes,
               **score(ds, system, {row[0]: p for row, p in zip(ds.test, order)}))
    return r


def add_ratios(results):
    """framer's ratio to each peer: speed, memory, training time, macro-F1 (and F_avg)
    difference."""
    fr = results.get("framer")
    if not fr or fr["status"] != "ok":
        return
    for name, r in results.items():
        if name == "framer" or r.get("status") != "ok":
            continue
        ratios = {}
        if r.get("classify_s") and fr.get("classify_s"):
            ratios["classify_speed"] = r["classify_s"] / fr["classify_s"]
            ratios["classify_memory"] = fr["rss_classify_kib"] / r["rss_classify_kib"]
        if r.get("train_s") and fr.get("train_s"):
            ratios["train_speed"] = r["train_s"] / fr["train_s"]
            ratios["train_memory"] = fr["rss_train_kib"] / r["rss_train_kib"]
        if "macro_f1" in r:
            ratios["macro_f1_diff_points"] = 100 * (fr["macro_f1"] - r["macro_f1"])
        if r.get("f_avg") is not None and fr.get("f_avg") is not None:
            ratios["f_avg_diff_points"] = 100 * (fr["f_avg"] - r["f_avg"])
        r["framer_ratios"] = ratios


def bench_dataset(ds, framer, work, accuracy_only=False):
    """Every system on one dataset (or the accuracy-only ones); the models kept for the
    speed run."""
    print(f"[bench] {ds.name}: {len(ds.train)} train / {len(ds.test)} test rows", flush=True)
    results, models = {}, {}
    results["framer"], models["framer"] = system_framer(ds, framer, work)
    results["framer-tuned"], _ = system_framer(ds, framer, work, tuned=True)
    results["sklearn-linearsvc"], models["sklearn"] = system_sklearn(ds, "linearsvc", work)
    if not accuracy_only:
        results["sklearn-svc"], _ = system_sklearn(ds, "svc", work)
    results["fasttext"], results["fasttext-predict"], models["fasttext"] = system_fasttext(ds, work)
    if not accuracy_only:
        results["fasttext-tuned"] = system_fasttext_tuned(ds, work)
        results["libsvm-tools"] = system_libsvm(ds, work)
    add_ratios(results)
    for name in ACCURACY_SYSTEMS if accuracy_only else SYSTEMS:
        r = results[name]
        f1 = f"{r['macro_f1']:.4f}" if "macro_f1" in r else r["status"]
        f_avg = f"  F_avg {r['f_avg']:.4f}" if r.get("f_avg") is not None else ""
        print(f"[bench]   {name:18s} macro-F1 {f1}{f_avg}", flush=True)
    if ds.name != "sotu" or accuracy_only:
        remove_fasttext_model(models.get("fasttext"))
    return results, models


def remove_fasttext_model(model):
    """fastText .bin files hold 2M hashed buckets (~800 MB): drop them when done."""
    if model:
        for path in (model, model[:-len(".bin")] + ".vec"):
            if os.path.exists(path):
                os.unlink(path)


# --------------------------------------------------------------------------- speed run

def sotu_models(sotu, framer, work, models):
    """The sotu models for the speed run: reused from the sotu benchmark, else trained."""
    if models:
        return models
    ds = sotu
    d = os.path.join(work, "sotu-speed")
    os.makedirs(d, exist_ok=True)
    print("[speed] training sotu models for the speed run", flush=True)
    m = {"framer": os.path.join(d, "framer-model"), "sklearn": os.path.join(d, "linearsvc.pkl")}
    runs = [train_framer(framer, ds.train_csv, "label", m["framer"], work),
            train_sklearn("linearsvc", ds.train_csv, "label", m["sklearn"], work)[0]]
    ft, m["fasttext"], _ = train_fasttext(ds.train, os.path.join(d, "ft"), work)
    for run in runs + [ft]:
        if not run.ok:
            raise RuntimeError(f"training a sotu model for the speed run: {run.problem()}")
    return m


def speed_run(sotu, models, framer, n_rows, repeats, work):
    """framer, LinearSVC and fastText classify the same replicated SOTU CSV, interleaved."""
    d = os.path.join(work, "speed")
    os.makedirs(d, exist_ok=True)
    csv_path = os.path.join(d, "speed.csv")
    nbytes = write_replicated(csv_path, [sotu.train + sotu.test], n_rows, "speed")
    tok = os.path.join(d, "speed.txt")
    write_fasttext_input(tok, textprep.read_rows(csv_path, None), with_labels=False)
    print(f"[speed] {n_rows} paragraphs, {nbytes / 1e6:.1f} MB, {repeats} rounds", flush=True)

    jobs = {
        "framer": lambda: classify_framer(framer, models["framer"], csv_path,
                                          os.path.join(d, "framer-out"), "label", work),
        "framer-1t": lambda: classify_framer(framer, models["framer"], csv_path,
                                             os.path.join(d, "framer-out-1t"), "label", work,
                                             ("--threads", "1")),
        "sklearn-linearsvc": lambda: classify_sklearn(models["sklearn"], csv_path,
                                                      os.path.join(d, "sk.csv"), work),
        "fasttext": lambda: classify_fasttext_e2e(models["fasttext"], csv_path,
                                                  os.path.join(d, "ft.csv"), {}, work),
        "fasttext-predict": lambda: classify_fasttext_predict(models["fasttext"], tok,
                                                              os.path.join(d, "ft.txt"), work),
    }
    runs = {name: [] for name in jobs}
    problems = []
    for rnd in range(repeats):
        for name, job in jobs.items():
            run, predicted = job()
            if run.ok and len(predicted) != n_rows:
                problems.append(f"speed run: {name} returned {len(predicted)} labels for "
                                f"{n_rows} paragraphs")
            if not run.ok:
                problems.append(f"speed run: {name} {run.problem()}")
                continue
            runs[name].append(run)
            print(f"[speed]   round {rnd + 1} {name:18s} {run.seconds:8.3f} s "
                  f"{nbytes / 1e6 / run.seconds:8.2f} MB/s", flush=True)

    out = {"rows": n_rows, "csv_bytes": nbytes, "tokenized_bytes": os.path.getsize(tok),
           "repeats": repeats, "cores": os.cpu_count(), "systems": {}, "notes": problems}
    for name, rs in runs.items():
        if not rs:
            out["systems"][name] = {"system": name, "status": "error"}
            continue
        secs = statistics.median(r.seconds for r in rs)
        out["systems"][name] = {"system": name, "status": "ok", "classify_s": secs,
                                "all_s": [r.seconds for r in rs],
                                "rss_classify_kib": max(r.maxrss_kib for r in rs),
                                **throughput(n_rows, nbytes, secs)}
    # The issue's speed targets are for one thread: the peers' ratios are to framer --threads 1.
    fr = out["systems"]["framer-1t"]
    for name, r in out["systems"].items():
        if not name.startswith("framer") and r["status"] == "ok" and fr["status"] == "ok":
            r["framer_ratios"] = {"classify_speed": r["classify_s"] / fr["classify_s"],
                                  "classify_memory": fr["rss_classify_kib"] / r["rss_classify_kib"]}
    # The last round's labels of both framer runs, byte for byte.
    outs = [os.path.join(d, o, "labels.jsonl") for o in ("framer-out", "framer-out-1t")]
    out["threads_identical"] = (all(os.path.isfile(o) for o in outs)
                                and filecmp.cmp(outs[0], outs[1], shallow=False))
    for o in ("framer-out", "framer-out-1t"):
        shutil.rmtree(os.path.join(d, o), ignore_errors=True)
    return out


# --------------------------------------------------------------------------- scale series

def scale_series(sotu_rows, ag_rows, framer_model, framer, sizes, work):
    """framer classify on growing alternating SOTU / AG News corpora; files deleted after."""
    d = os.path.join(work, "scale")
    os.makedirs(d, exist_ok=True)
    points, notes, threads = [], [], None
    for n in sizes:
        path = os.path.join(d, f"scale-{n}.csv")
        nbytes = write_replicated(path, [sotu_rows, ag_rows], n, "scale")
        out_dir = os.path.join(d, "out")
        run = run_measured([framer, "classify", "--model", framer_model, "--out", out_dir,
                            path, "--format", "jsonl", "--quiet"], work)
        labels = os.path.join(out_dir, "labels.jsonl")
        labeled = count_lines(labels) if run.ok and os.path.exists(labels) else 0
        if n == max(sizes) and run.ok:
            threads = threads_point(framer, framer_model, path, labels, run, d, work)
        os.unlink(path)
        shutil.rmtree(out_dir, ignore_errors=True)
        if not run.ok:
            notes.append(f"scale series {n}: framer classify {run.problem()}")
            points.append({"rows": n, "csv_bytes": nbytes, "status": "error"})
            continue
        if labeled != n:
            notes.append(f"scale series {n}: framer labeled {labeled} of {n} paragraphs")
        p = {"rows": n, "csv_bytes": nbytes, "status": "ok", "labeled": labeled,
             "classify_s": run.seconds, "rss_classify_kib": run.maxrss_kib,
             **throughput(n, nbytes, run.seconds)}
        points.append(p)
        print(f"[scale] {n:>9} paragraphs {nbytes / 1e6:8.1f} MB {run.seconds:8.2f} s "
              f"{p['mb_per_s']:7.2f} MB/s RSS {run.maxrss_kib / 1024:8.1f} MiB", flush=True)
    ok = [p for p in points if p["status"] == "ok"]
    ratio = None
    if len(ok) >= 2 and ok[0]["rows"] == min(sizes) and ok[-1]["rows"] == max(sizes):
        ratio = {"from_rows": ok[0]["rows"], "to_rows": ok[-1]["rows"],
                 "rss_ratio": ok[-1]["rss_classify_kib"] / ok[0]["rss_classify_kib"]}
    return {"points": points, "rss_ratio": ratio, "threads": threads, "notes": notes}


THREAD_ROUNDS = 3


def threads_point(framer, model, path, labels, run_default, d, work):
    """The largest scale-series batch again with --threads 1 and the default, interleaved,
    THREAD_ROUNDS runs of each (the scale series' own default run is the first): the median's
    speed-up over one thread where start-up is a small part of the run, and whether every run's
    labels are the same. One run of each moved the ratio from 1.67 to 2.09 from run to run:
    this part writes 0.8 GB and is the most exposed to the shared machine's disk."""
    one_s, default_s, same = [], [run_default.seconds], True
    for r in range(THREAD_ROUNDS):
        runs = [("1t", ["--threads", "1"])] + ([("again", [])] if r > 0 else [])
        for name, extra in runs:
            out_dir = os.path.join(d, f"out-{name}")
            run = run_measured([framer, "classify", "--model", model, "--out", out_dir, path,
                                "--format", "jsonl", "--quiet", *extra], work)
            got = os.path.join(out_dir, "labels.jsonl")
            same = same and run.ok and os.path.isfile(got) and filecmp.cmp(labels, got, shallow=False)
            shutil.rmtree(out_dir, ignore_errors=True)
            if not run.ok:
                return {"status": "error", "problem": run.problem()}
            (one_s if name == "1t" else default_s).append(run.seconds)
    one, default = statistics.median(one_s), statistics.median(default_s)
    print(f"[scale]   --threads 1: {one:8.2f} s, the default {default:8.2f} s (medians of "
          f"{THREAD_ROUNDS}); labels {'identical' if same else 'DIFFERENT'}", flush=True)
    return {"status": "ok", "cores": os.cpu_count(), "one_thread_s": one, "default_s": default,
            "one_thread_runs_s": one_s, "default_runs_s": default_s, "speedup": one / default,
            "identical": same}


# --------------------------------------------------------------------------- paired bootstrap

# Is a macro-F1 gap real or the luck of a small test set (war-framing: 217 rows from 47
# documents)? Every system is scored again on the same resamples of the test set: paired, so
# that rows hard for every system cancel out, and by document where the split keeps documents
# whole. The reasons in full, and the arithmetic, are in paired_bootstrap.py.

FRAMER_RUNS = ("framer", "framer-tuned")
SHORT_NAMES = {**SYSTEM_NAMES, "framer-tuned": "framer --tune", "fasttext": "fastText",
               "fasttext-tuned": "fastText -lr 1.0 -epoch 25"}


def bootstrap(ds):
    """{system: macro-F1 on each resample} for every system that labeled ds's test rows."""
    from paired_bootstrap import resampled_macro_f1
    return resampled_macro_f1([r[2] for r in ds.test], ds.predictions, ds.units, SEED,
                              missing=NONE_LABEL)


def bootstrap_f_avg(ds):
    """{system: F_avg on each resample} (the same resamples as bootstrap's), or None where
    the dataset has no none class."""
    from paired_bootstrap import resampled_f_avg
    if not ds.f_avg_labels:
        return None
    return resampled_f_avg([r[2] for r in ds.test], ds.predictions, ds.units, SEED,
                           ds.f_avg_labels)


def compared_pairs(systems):
    """(framer run, peer): each framer run against every other system that has labels, --tune
    against the default once. fastText predict only is left out: it labels with the same model
    and tokens as fastText end to end."""
    return [(mine, peer) for mine in FRAMER_RUNS for peer in SYSTEMS
            if mine in systems and peer in systems and peer not in (mine, "fasttext-predict")
            and (mine, peer) != ("framer", "framer-tuned")]


def bootstrap_json(ds, res, f1, f_avg=None):
    """One dataset's bootstrap for results.json: per pair the ΔF1 point estimate (points), its
    95% percentile interval and the share of resamples where the framer run is ahead; the same
    for F_avg under "f_avg" where the dataset has a none class (f_avg: its resamples)."""
    from paired_bootstrap import RESAMPLES, compare
    pairs = {}
    for mine, peer in compared_pairs(f1):
        c = compare(f1[mine], [f1[peer]])
        pair = pairs.setdefault(mine, {})[peer] = {
            "delta_points": 100 * (res[mine]["macro_f1"] - res[peer]["macro_f1"]),
            "ci95_points": c["ci95_points"], "share_ahead": c["share"]}
        if f_avg:
            c = compare(f_avg[mine], [f_avg[peer]])
            pair["f_avg"] = {"delta_points": 100 * (res[mine]["f_avg"] - res[peer]["f_avg"]),
                             "ci95_points": c["ci95_points"], "share_ahead": c["share"]}
    by_document = ds.units[0].startswith("document ")
    return {"resamples": RESAMPLES, "seed": SEED, "unit": "document" if by_document else "row",
            "units": len(set(ds.units)), "pairs": pairs}


def bootstrap_all(ds, results):
    """The resampled macro-F1 of every dataset (in memory, for the targets) and its summary
    (for the report)."""
    t0 = time.perf_counter()
    f1s = {name: bootstrap(d) for name, d in ds.items()}
    boot = {name: bootstrap_json(d, results[name], f1s[name], bootstrap_f_avg(d))
            for name, d in ds.items()}
    print(f"[bench] paired bootstrap: {time.perf_counter() - t0:.1f} s", flush=True)
    return f1s, boot


def gap_evidence(f1, mine, rivals, margin=0.0, strict=True):
    """A target's gap (mine − the best rival + margin, points) on the bootstrap resamples: its
    95% interval and the share of resamples meeting the target; None without resamples."""
    from paired_bootstrap import compare
    if not f1 or any(s not in f1 for s in (mine, *rivals)):
        return None
    c = compare(f1[mine], [f1[s] for s in rivals], margin, strict)
    return {"ci95_points": c["ci95_points"], "share_met": c["share"]}


# --------------------------------------------------------------------------- targets

def target(name, met, value, goal, gap, evidence=None):
    """One target; evidence, for the macro-F1 targets, is the gap's paired bootstrap."""
    t = {"target": name, "met": met, "value": value, "goal": goal, "gap": gap}
    if evidence:
        t["gap_bootstrap"] = evidence
    return t


def evaluate_targets(datasets, speed, scale, f1s=None):
    """The issue's targets: met or not by the point estimates; the macro-F1 targets also carry
    their gap's bootstrap interval (f1s: {dataset: resampled macro-F1 by system})."""
    f1s = f1s or {}
    out = []
    for name, res in datasets.items():
        fr = res["framer"]
        bar = [s for s in ("sklearn-linearsvc", "fasttext") if res[s].get("status") == "ok"]
        if fr.get("status") == "ok" and bar:
            goal = 100 * max(res[s]["macro_f1"] for s in bar) - F1_MARGIN_POINTS
            mine = 100 * fr["macro_f1"]
            out.append(target(f"macro-F1 ≥ max(LinearSVC, fastText) − 0.5 pt: {name}",
                              mine >= goal, f"{mine:.2f} pt", f"≥ {goal:.2f} pt",
                              f"{mine - goal:+.2f} pt",
                              gap_evidence(f1s.get(name), "framer", bar, F1_MARGIN_POINTS,
                                           strict=False)))
    for name, res in datasets.items():
        tu = res.get("framer-tuned", {})
        for peer, label in (("sklearn-linearsvc", "scikit-learn's default pipeline (LinearSVC)"),
                            ("fasttext", "fastText")):
            if tu.get("status") == "ok" and res[peer].get("status") == "ok":
                mine, theirs = 100 * tu["macro_f1"], 100 * res[peer]["macro_f1"]
                out.append(target(f"framer --tune macro-F1 > {label}: {name}", mine > theirs,
                                  f"{mine:.2f} pt", f"> {theirs:.2f} pt", f"{mine - theirs:+.2f} pt",
                                  gap_evidence(f1s.get(name), "framer-tuned", [peer])))
    s = speed["systems"]
    for peer, factor, label in (("sklearn-linearsvc", 20, "scikit-learn"),
                                ("fasttext", 2, "fastText end to end")):
        if s["framer-1t"]["status"] == "ok" and s[peer]["status"] == "ok":
            x = s[peer]["classify_s"] / s["framer-1t"]["classify_s"]
            out.append(target(f"classify throughput on one thread ≥ {factor}× {label} (speed run)",
                              x >= factor, f"{x:.2f}×", f"≥ {factor}×",
                              f"{x / factor:.2f} of the goal ({x - factor:+.2f}×)"))
    if s["framer"]["status"] == "ok" and s["framer-1t"]["status"] == "ok":
        same = speed.get("threads_identical")
        out.append(target("labels.jsonl byte-identical with --threads 1 and the default (speed run)",
                          bool(same), "identical" if same else "different", "identical",
                          "—" if same else "outputs differ"))
    t = scale.get("threads")
    if t and t["status"] == "ok":
        rows = max(p["rows"] for p in scale["points"])
        out.append(target(f"--threads {t['cores']} (the default) over --threads 1, {rows:,} "
                          "paragraphs (scale series)", t["speedup"] >= 1.8, f"{t['speedup']:.2f}×",
                          "≥ 1.80×", f"{t['speedup'] - 1.8:+.2f}×"))
        out.append(target(f"labels.jsonl byte-identical with --threads 1 and the default, "
                          f"{rows:,} paragraphs", t["identical"],
                          "identical" if t["identical"] else "different", "identical",
                          "—" if t["identical"] else "outputs differ"))
    if s["framer"]["status"] == "ok":
        mbs = s["framer"]["mb_per_s"]
        out.append(target("classify throughput > 50 MB/s (the issue's estimate)", mbs > 50,
                          f"{mbs:.2f} MB/s", "> 50 MB/s", f"{mbs - 50:+.2f} MB/s"))
    r = scale["rss_ratio"]
    if r:
        out.append(target(f"peak RSS at {r['to_rows']:,} ≤ 1.2 × at {r['from_rows']:,} paragraphs",
                          r["rss_ratio"] <= 1.2, f"{r['rss_ratio']:.3f}×", "≤ 1.200×",
                          f"{1.2 - r['rss_ratio']:+.3f}× headroom"))
    for name, res in datasets.items():
        fr, sk = res["framer"], res["sklearn-linearsvc"]
        if fr.get("status") == "ok" and sk.get("status") == "ok":
            out.append(target(f"training time ≤ scikit-learn fit_transform + fit: {name}",
                              fr["train_s"] <= sk["train_s"], f"{fr['train_s']:.3f} s",
                              f"≤ {sk['train_s']:.3f} s",
                              f"{sk['train_s'] - fr['train_s']:+.3f} s "
                              f"({sk['train_s'] / fr['train_s']:.2f}×)"))
    return out


# --------------------------------------------------------------------------- environment

def check_tools(framer):
    """Every tool and package, with the Debian package to install when one is missing."""
    problems = []
    if not (os.path.isfile(framer) and os.access(framer, os.X_OK)):
        problems.append(f"framer binary not found: {framer} (build it with `make`)")
    try:
        for module in ("sklearn", "scipy"):
            importlib.import_module(module)
    except ImportError:
        problems.append(f"scikit-learn is not importable by {sys.executable}: "
                        "install the Debian package python3-sklearn")
    for tool, package in (("fasttext", "fasttext"), ("svm-train", "libsvm-tools"),
                          ("svm-predict", "libsvm-tools")):
        if shutil.which(tool) is None:
            problems.append(f"`{tool}` not found on PATH: install the Debian package {package}")
    if problems:
        raise Missing("\n".join(problems))


def check_datasets(args, plan):
    """Every input file, before anything runs (sotu and AG News feed the speed and scale runs)."""
    needed = [os.path.join(args.datasets, "sotu", "passages.csv"),
              os.path.join(args.datasets, "ag-news", "ag_news_test.csv"),
              os.path.join(args.labeled, "train.csv"), os.path.join(args.labeled, "test.csv")]
    if "gvfc" in plan["datasets"]:
        needed.append(os.path.join(args.datasets, "gvfc", "frames.csv"))
    missing = [p for p in needed if not os.path.isfile(p)]
    if missing:
        raise Missing("dataset file(s) not found: " + ", ".join(missing))


def command_output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError) as e:
        return f"unavailable ({e})"


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {"cpu": cpu, "logical_cores": os.cpu_count(),
            "usable_cores": len(os.sched_getaffinity(0)), "ram_gib": mem_kib / 1024 ** 2,
            "kernel": platform.release(), "loadavg_at_start": os.getloadavg()[0]}


def versions(framer):
    import sklearn
    dpkg = command_output(["dpkg-query", "-W", "-f", "${Package} ${Version}\n",
                           "fasttext", "libsvm-tools", "python3-sklearn"])
    commit = command_output(["git", "-C", HERE, "rev-parse", "--short", "HEAD"])
    if command_output(["git", "-C", HERE, "status", "--porcelain", "--untracked-files=no"]):
        commit += " with uncommitted changes"
    return {"framer": command_output([framer, "--version"]), "scikit-learn": sklearn.__version__,
            "python": platform.python_version(), "dpkg": dpkg.splitlines(), "commit": commit}


# --------------------------------------------------------------------------- report

def fmt(v, spec, suffix=""):
    return "—" if v is None else format(v, spec) + suffix


def mib(kib):
    return None if kib is None else kib / 1024


def ratio_cell(r):
    x = r.get("framer_ratios")
    if not x:
        return "—"
    parts = []
    if "classify_speed" in x:
        parts.append(f"speed {x['classify_speed']:.2f}×")
        parts.append(f"mem {x['classify_memory']:.2f}×")
    if "train_speed" in x:
        parts.append(f"train {x['train_speed']:.2f}×")
    if "macro_f1_diff_points" in x:
        parts.append(f"ΔF1 {x['macro_f1_diff_points']:+.2f} pt")
    if "f_avg_diff_points" in x:
        parts.append(f"ΔF_avg {x['f_avg_diff_points']:+.2f} pt")
    return ", ".join(parts)


def dataset_table(res, info=None):
    """One dataset's table; an F_avg column where the dataset has a none class (info: its
    dataset_info), with F_avg's definition under the table."""
    f_avg = (info or {}).get("f_avg")
    head = ("| system | accuracy | macro-F1 | " + ("F_avg | " if f_avg else "")
            + "train s | classify s | paragraphs/s | MB/s "
            "| peak RSS train MiB | peak RSS classify MiB | framer ratios |\n"
            "|---|---:|---:|" + ("---:|" if f_avg else "") + "---:|---:|---:|---:|---:|---:|---|\n")
    lines = []
    for name in SYSTEMS:
        r = res[name]
        if r["status"] != "ok":
            lines.append(f"| {SYSTEM_NAMES[name]} | {r['status']} | | | | | | | | |"
                         + (" |" if f_avg else ""))
            continue
        lines.append(
            f"| {SYSTEM_NAMES[name]} | {fmt(r.get('accuracy'), '.4f')} | "
            f"{fmt(r.get('macro_f1'), '.4f')} | "
            + (f"{fmt(r.get('f_avg'), '.4f')} | " if f_avg else "")
            + f"{fmt(r.get('train_s'), '.3f')} | "
            f"{fmt(r.get('classify_s'), '.3f')} | {fmt(r.get('paragraphs_per_s'), ',.0f')} | "
            f"{fmt(r.get('mb_per_s'), '.2f')} | {fmt(mib(r.get('rss_train_kib')), '.1f')} | "
            f"{fmt(mib(r.get('rss_classify_kib')), '.1f')} | {ratio_cell(r)} |")
    return head + "\n".join(lines) + "\n" + (f_avg_definition(f_avg) if f_avg else "")


def code_list(labels):
    """`a`, `b` and `c`."""
    quoted = [f"`{label}`" for label in labels]
    return " and ".join(filter(None, [", ".join(quoted[:-1]), quoted[-1]])) if quoted else "none"


def f_avg_definition(f):
    """What F_avg averages on this dataset, in words (f: dataset_info's f_avg)."""
    labels, strict, none = f["labels"], f["strict_labels"], f["none_label"]
    unscored = [label for label in strict if label not in labels]
    text = (f"\nF_avg is SemEval-2016 Task 6's measure: the mean F1 of the stance labels, here "
            f"{code_list(labels)} (the labels other than the none class `{none}` that have test "
            f"rows), as scikit-learn's `f1_score(truth, pred, labels={labels!r}, "
            "average='macro', zero_division=0)`. The none class is left out of the average but "
            f"its rows count: a stance predicted for a `{none}` row is a false positive of that "
            "stance. A label's F1 is 0 where its precision or recall is undefined, as in the "
            "official scorer.")
    if len(labels) == 1:
        text += f" With one label averaged, F_avg is {code_list(labels)}'s F1."
    if unscored:
        text += (f" {code_list(unscored)} {'is' if len(unscored) == 1 else 'are'} left out: "
                 "trained on, but without test rows, so no system can score a true positive "
                 "and the F1 is 0 for every system whatever it predicts. SemEval's scorer "
                 "averages a fixed set of classes and would count "
                 f"{'it' if len(unscored) == 1 else 'them'}: that figure "
                 f"(`f_avg_strict` in results.json) is exactly {len(labels)}/{len(strict)} of "
                 "F_avg for every system, so it orders the systems the same way and only "
                 f"scales the differences. A {code_list(unscored)} predicted for a row of an "
                 "averaged label still costs, as a false negative of that label; predicted for "
                 f"a `{none}` row it counts in neither figure.")
    return text + " ΔF_avg in the ratios: framer − peer F_avg, in points.\n"


def speed_table(speed):
    head = ("| system | median classify s | runs (s) | paragraphs/s | MB/s | peak RSS MiB "
            "| framer speed ratio | framer memory ratio |\n|---|---:|---|---:|---:|---:|---:|---:|\n")
    lines = []
    for name in ("framer-1t", "framer", "sklearn-linearsvc", "fasttext", "fasttext-predict"):
        r = speed["systems"][name]
        if r["status"] != "ok":
            lines.append(f"| {SYSTEM_NAMES[name]} | {r['status']} | | | | | | |")
            continue
        x = r.get("framer_ratios", {})
        lines.append(f"| {SYSTEM_NAMES[name]} | {r['classify_s']:.3f} | "
                     f"{', '.join(f'{s:.2f}' for s in r['all_s'])} | "
                     f"{r['paragraphs_per_s']:,.0f} | {r['mb_per_s']:.2f} | "
                     f"{mib(r['rss_classify_kib']):.1f} | "
                     f"{fmt(x.get('classify_speed'), '.2f', '×')} | "
                     f"{fmt(x.get('classify_memory'), '.2f', '×')} |")
    return head + "\n".join(lines) + "\n"


def scale_table(scale):
    head = ("| paragraphs | CSV MB | classify s | paragraphs/s | MB/s | peak RSS MiB |\n"
            "|---:|---:|---:|---:|---:|---:|\n")
    lines = []
    for p in scale["points"]:
        if p["status"] != "ok":
            lines.append(f"| {p['rows']:,} | {p['csv_bytes'] / 1e6:.1f} | error | | | |")
            continue
        lines.append(f"| {p['rows']:,} | {p['csv_bytes'] / 1e6:.1f} | {p['classify_s']:.3f} | "
                     f"{p['paragraphs_per_s']:,.0f} | {p['mb_per_s']:.2f} | "
                     f"{mib(p['rss_classify_kib']):.1f} |")
    r = scale["rss_ratio"]
    tail = (f"\nPeak RSS ratio {r['to_rows']:,} / {r['from_rows']:,} paragraphs: "
            f"**{r['rss_ratio']:.3f}×**\n" if r else "\nPeak RSS ratio: not available\n")
    t = scale.get("threads")
    if t and t["status"] == "ok":
        runs = ", ".join(f"{x:.2f}" for x in t.get("one_thread_runs_s", [t["one_thread_s"]]))
        runs_d = ", ".join(f"{x:.2f}" for x in t.get("default_runs_s", [t["default_s"]]))
        tail += (f"\nThe largest batch again with `--threads 1`, interleaved with the default: median "
                 f"{t['one_thread_s']:.3f} s ({runs}), against {t['default_s']:.3f} s ({runs_d}) "
                 f"with the default ({t['cores']} threads here): "
                 f"**{t['speedup']:.2f}×**; labels.jsonl "
                 f"{'byte-identical' if t['identical'] else 'DIFFERENT'}.\n")
    return head + "\n".join(lines) + "\n" + tail


def interval_text(ci):
    """A 95% interval in points, and where it lies with respect to 0."""
    from paired_bootstrap import verdict
    return f"[{ci[0]:+.1f}, {ci[1]:+.1f}] pt: {verdict(ci)}"


def evidence_cell(t):
    e = t.get("gap_bootstrap")
    if not e:
        return "—"
    return f"95% CI {interval_text(e['ci95_points'])}; met in {e['share_met']:.1%} of resamples"


def targets_table(targets):
    head = ("Met or not by the point estimate, as the issue defines the targets. For the macro-F1 "
            "targets the last column is the gap on the paired bootstrap's resamples (see each "
            "dataset's bootstrap table): an interval across 0 means this test set cannot tell "
            "whether the target is met.\n\n"
            "| target | value | goal | met | gap | gap, paired bootstrap |\n"
            "|---|---:|---:|---|---|---|\n")
    return head + "\n".join(f"| {t['target']} | {t['value']} | {t['goal']} | "
                            f"{'met' if t['met'] else '**not met**'} | {t['gap']} | "
                            f"{evidence_cell(t)} |" for t in targets) + "\n"


def bootstrap_table(boot):
    """One dataset's paired bootstrap: each framer run's ΔF1 over each peer, and ΔF_avg where
    the dataset has a none class."""
    if not boot or not boot["pairs"]:
        return ""
    f_avg = any("f_avg" in p for peers in boot["pairs"].values() for p in peers.values())
    head = ("Paired bootstrap of ΔF1 (framer run − peer, macro-F1 points"
            + (", and the same for F_avg" if f_avg else "") + "): "
            f"{boot['resamples']:,} resamples of the {boot['units']:,} test {boot['unit']}s, drawn with replacement "
            f"(numpy default_rng({boot['seed']})), every system scored on the same resamples. "
            "Ahead: the share of resamples where the framer run's macro-F1"
            + (" (F_avg)" if f_avg else "") + " is higher.\n\n"
            + ("| comparison | ΔF1 | 95% CI | ahead | ΔF_avg | 95% CI | ahead |\n"
               "|---|---:|---|---:|---:|---|---:|\n" if f_avg else
               "| comparison | ΔF1 | 95% CI | ahead |\n|---|---:|---|---:|\n"))

    def cells(p):
        return (f"{p['delta_points']:+.2f} pt | {interval_text(p['ci95_points'])} | "
                f"{p['share_ahead']:.1%} |")
    lines = [f"| {SHORT_NAMES[mine]} − {SHORT_NAMES[peer]} | {cells(p)}"
             + (f" {cells(p['f_avg'])}" if "f_avg" in p else "")
             for mine, peers in boot["pairs"].items() for peer, p in peers.items()]
    return "\n" + head + "\n".join(lines) + "\n"


TUNED_HEADING = "## framer --tune"


def chosen_cell(tuning):
    """The chosen setting in a few words, with its CV score and the config's own."""
    c, d = tuning.get("chosen") or {}, tuning.get("default") or {}
    if not c:
        return "—"
    rng = lambda v: "none" if v is None else f"[{v[0]},{v[1]}]"
    return (f"{c.get('stage')}: C {c.get('C'):g}, {c.get('class_weight')}, {c.get('solver')}, "
            f"stop words {'yes' if c.get('stopwords') else 'no'}, min_df {c.get('min_df')}, "
            f"{rng(c.get('ngram_range'))}, char {rng(c.get('char_ngrams'))} "
            f"(CV {fmt(c.get('mean'), '.4f')}; the config's own {fmt(d.get('mean'), '.4f')})")


def tuned_gap(res, boot, peer):
    """framer --tune − peer in points, with its bootstrap interval when there is one."""
    gap = f"{100 * (res['framer-tuned']['macro_f1'] - res[peer]['macro_f1']):+.2f} pt"
    p = (boot or {}).get("pairs", {}).get("framer-tuned", {}).get(peer)
    return gap + (f" [{p['ci95_points'][0]:+.1f}, {p['ci95_points'][1]:+.1f}]" if p else "")


EARLIER = " (earlier run)"


def earlier_tuned_rows(text, ran):
    """{dataset: row} of the framer --tune table in text for the datasets not in ran, marked
    as from an earlier run: an --only run replaces its own rows and keeps the others."""
    lines = text.split("\n")
    start, end = section_bounds(lines, TUNED_HEADING)
    rows = {}
    for line in lines[start:end]:
        name = line.split("|")[1].strip().removesuffix(EARLIER) if line.startswith("| ") else None
        if name in FULL["datasets"] and name not in ran:
            rows[name] = line.replace(f"| {name} |", f"| {name}{EARLIER} |", 1)
    return rows


def tuned_row(name, res, boot):
    """One dataset's row of the framer --tune table."""
    f1 = {s: res.get(s, {}).get("macro_f1") for s in
          ("framer", "framer-tuned", "sklearn-linearsvc", "fasttext")}
    tu = res.get("framer-tuned", {})
    tuning = tu.get("tuning") or {}
    if f1["framer-tuned"] is None:
        verdict = tu.get("status", "not run")
    else:
        peers = [p for p in ("sklearn-linearsvc", "fasttext") if f1[p] is not None]
        beats = all(f1["framer-tuned"] > f1[p] for p in peers)
        verdict = (("yes" if beats else "**no**")
                   + f" ({', '.join(tuned_gap(res, boot, p) for p in peers)})")
    return (f"| {name} | {fmt(tuning.get('rows'), ',')} | {fmt(f1['framer'], '.4f')} | "
            f"{fmt(f1['framer-tuned'], '.4f')} | {fmt(f1['sklearn-linearsvc'], '.4f')} | "
            f"{fmt(f1['fasttext'], '.4f')} | {verdict} | {fmt(tu.get('train_s'), '.1f')} | "
            f"{fmt(tuning.get('points'), 'd')} | {chosen_cell(tuning)} |")


def tuned_section(datasets, provenance, boot=None, earlier=None):
    """The framer --tune table: tuned against framer's defaults and the peers; boot, the
    bootstrap summaries by dataset; earlier, rows kept for datasets this run did not run."""
    boot, earlier = boot or {}, earlier or {}
    head = ("| dataset | training rows | framer default | framer --tune | LinearSVC | fastText "
            "| tuned beats LinearSVC and fastText? | tune time (s) | points | chosen |\n"
            "|---|---:|---:|---:|---:|---:|---|---:|---:|---|\n")
    rows = {**earlier, **{name: tuned_row(name, res, boot.get(name))
                          for name, res in datasets.items()}}
    order = FULL["datasets"] + [n for n in rows if n not in FULL["datasets"]]
    lines = [rows[name] for name in order if name in rows]
    if earlier:
        provenance += (f" Rows marked{EARLIER} are kept from the table before: those datasets "
                       "were not run this time.")
    return (f"{TUNED_HEADING}\n\n{provenance}\n\nmacro-F1 on each dataset's test rows (the splits "
            "above); `framer train --tune` searches on the training rows only, by cross-validation "
            "grouped by document (`group` for SOTU, the `document` column for war-framing and "
            "war-stance, each row "
            "its own document for GVFC and AG News). Tune time: the whole `framer train --tune` "
            "process (search and final training), wall clock. CV: the chosen point's "
            "cross-validated macro-F1 and the config's own point's, on the training rows. In "
            "brackets: the difference's 95% paired-bootstrap interval, in points (test "
            "documents resampled, or rows where the split is by row; the bootstrap tables and "
            "the `bootstrap` key of the JSON have more).\n\n"
            + head + "\n".join(lines) + "\n")


def section_bounds(lines, heading):
    """(first, end) line indexes of the section starting at heading, up to the next `## `;
    (0, 0) when there is none."""
    start = next((i for i, l in enumerate(lines) if l.startswith(heading)), None)
    if start is None:
        return 0, 0
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return start, end


def replace_section(text, heading, section):
    """text with the section starting at heading (up to the next `## `) replaced, or
    section appended when there is none."""
    lines = text.split("\n")
    start, end = section_bounds(lines, heading)
    if end == 0:
        return text.rstrip("\n") + "\n\n" + section
    tail = "\n".join(lines[end:])
    return "\n".join(lines[:start]) + "\n" + section + ("\n" + tail if tail else "")


def render_markdown(doc):
    m, v = doc["machine"], doc["versions"]
    out = ["# framer benchmark\n",
           f"Mode: **{doc['mode']}**. Date: {doc['date']}. Took {doc['elapsed_s']:.0f} s.\n",
           f"Machine: {m['cpu']}, {m['logical_cores']} logical cores "
           f"({m['usable_cores']} usable), {m['ram_gib']:.1f} GiB RAM, Linux {m['kernel']}, "
           f"load average {m['loadavg_at_start']:.2f} at start.\n",
           f"Versions: {v['framer']}; scikit-learn {v['scikit-learn']} (Python {v['python']}); "
           + "; ".join(v["dpkg"]) + ".\n",
           f"Command: `{doc['command']}`\n",
           "How: every system runs as its own child process, one after the other in this one "
           "invocation; seconds are wall clock from start to exit, peak RSS is that child's "
           "ru_maxrss (os.wait4). Classify seconds are end to end (CSV on disk to labels on "
           "disk) except fastText predict only and LIBSVM's svm-predict. The launcher's floor: "
           f"a process doing nothing measures {doc['rss_floor_kib'] / 1024:.1f} MiB. "
           "Training seconds: "
           "framer and fastText the whole process; scikit-learn fit_transform + fit timed inside "
           "its process (the whole process beside, in results.json). MB/s = test CSV bytes / "
           "classify seconds. framer ratios: speed = peer seconds / framer seconds, memory = "
           "framer RSS / peer RSS, train = peer training s / framer training s, ΔF1 = framer − "
           "peer macro-F1 in points.\n"]
    for name, res in doc["datasets"].items():
        info = doc["dataset_info"][name]
        out.append(f"## {name}\n\n{info['train_rows']:,} training / {info['test_rows']:,} test "
                   f"rows, {len(info['labels'])} labels, split {info['split']}; test CSV "
                   f"{info['test_csv_bytes'] / 1e6:.2f} MB.\n\n" + dataset_table(res, info)
                   + bootstrap_table(doc.get("bootstrap", {}).get(name)))
    sp = doc["speed_run"]
    out.append(f"## Speed run\n\n{sp['rows']:,} SOTU passages (replicated, unique ids), "
               f"{sp['csv_bytes'] / 1e6:.1f} MB of CSV, sotu models; median of {sp['repeats']} "
               "interleaved rounds. fastText predict only reads pre-tokenized text "
               f"({sp['tokenized_bytes'] / 1e6:.1f} MB); its MB/s still counts CSV bytes. "
               "The peers run on one thread, so their ratios are to framer --threads 1; framer "
               f"is also run with its default, every core ({sp.get('cores', '?')} here).\n\n"
               + speed_table(sp))
    out.append("## Scale series\n\nframer classify with the sotu model on paragraphs alternating "
               "replicated SOTU passages and AG News texts.\n\n" + scale_table(doc["scale_series"]))
    out.append(tuned_section(doc["datasets"], "From this run.", doc.get("bootstrap")))
    out.append("## Targets\n\n" + targets_table(doc["targets"]))
    out.append("## Notes\n\n" + ("\n".join(f"- {n}" for n in doc["notes"]) or "- none") + "\n")
    return "\n".join(out)


def plain(o):
    """numpy scalars and anything else json cannot write, as plain Python values."""
    return o.item() if hasattr(o, "item") else str(o)


def write_atomic(path, text):
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".",
                               dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# --------------------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", required=True, help="the shared datasets folder")
    ap.add_argument("--framer", required=True, help="the framer binary")
    ap.add_argument("--out", required=True, help="where RESULTS.md, results.json and tuned.json go")
    ap.add_argument("--labeled", default=os.path.join(HERE, "..", "..", "data", "labeled"),
                    help="folder with the war-framing and war-stance train.csv and test.csv")
    ap.add_argument("--keep-work", metavar="DIR", help="keep work files in DIR")
    ap.add_argument("--quick", action="store_true",
                    help="gvfc, war-framing and war-stance only, 5,000-row speed run, "
                         "scale 10k and 100k")
    ap.add_argument("--repeats", type=int, default=5,
                    help="speed-run rounds (median; 5 because one round of framer moved by 15%% on a shared machine)")
    ap.add_argument("--only", metavar="NAMES",
                    help=f"comma-separated datasets to run (of {', '.join(FULL['datasets'])})")
    ap.add_argument("--accuracy-only", action="store_true",
                    help="framer, framer --tune, LinearSVC and fastText macro-F1 only: writes "
                         "tuned.json and the 'framer --tune' section of RESULTS.md")
    args = ap.parse_args(argv)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in FULL["datasets"]]
        if unknown or not names:
            ap.error(f"--only: unknown dataset(s) {', '.join(unknown) or '(none)'}; "
                     f"choose from {', '.join(FULL['datasets'])}")
        args.only = names
    return args


def plan_of(args):
    """The datasets and sizes this invocation runs."""
    plan = dict(QUICK if args.quick else FULL)
    if args.only:
        plan["datasets"] = args.only
    return plan


def floor_notes(datasets, floor):
    """RSS figures within 10% of the launcher's floor are upper bounds, not measurements."""
    at_floor = [f"{name} {s} {kind} {r[key] / 1024:.1f}"
                for name, res in datasets.items() for s, r in res.items()
                for key, kind in (("rss_train_kib", "train"), ("rss_classify_kib", "classify"))
                if r.get(key) is not None and r[key] <= 1.1 * floor]
    if not at_floor:
        return []
    return [f"peak RSS at the launcher's floor ({floor / 1024:.1f} MiB), so an upper bound "
            f"(MiB): {'; '.join(at_floor)}"]


def fasttext_notes(datasets):
    """Flag the prescribed fastText settings underfitting, as the tuned row shows."""
    gaps = [f"{name} {100 * res['fasttext']['macro_f1']:.1f} vs "
            f"{100 * res['fasttext-tuned']['macro_f1']:.1f}"
            for name, res in datasets.items()
            if res["fasttext"].get("status") == "ok" and res["fasttext-tuned"].get("status") == "ok"
            and res["fasttext-tuned"]["macro_f1"] - res["fasttext"]["macro_f1"] > 0.05]
    if not gaps:
        return []
    note = ("fastText with the prescribed settings (-wordNgrams 2, default lr 0.1 and 5 epochs) "
            "underfits these small training sets; with -lr 1.0 -epoch 25 its macro-F1 (pt) "
            f"rises: {'; '.join(gaps)}. The targets use the prescribed settings.")
    bar_is_linearsvc = all(
        res["sklearn-linearsvc"].get("macro_f1", 0) >= max(res["fasttext"].get("macro_f1", 0),
                                                          res["fasttext-tuned"].get("macro_f1", 0))
        for res in datasets.values())
    if bar_is_linearsvc:
        note += " LinearSVC beats both fastText runs on every dataset, so it sets the bar either way."
    return [note]


def collect_notes(datasets, speed, scale, floor):
    notes = []
    for name, res in datasets.items():
        for sys_name in SYSTEMS:
            notes += [f"{name}: {n}" for n in res[sys_name].get("notes", [])]
    if any(res["libsvm-tools"].get("status") == "ok" for res in datasets.values()):
        notes.append("LIBSVM tools: the svmlight features are made by scikit-learn beforehand "
                     "(untimed); their classify time is svm-predict alone.")
    notes += fasttext_notes(datasets) + floor_notes(datasets, floor)
    return notes + speed["notes"] + scale["notes"]


def accuracy_benchmark(args, work):
    """The accuracy comparison alone, dataset by dataset."""
    framer = os.path.abspath(args.framer)
    ds = prepare_datasets(plan_of(args)["datasets"], args, work)
    return ds, {name: bench_dataset(d, framer, work, accuracy_only=True)[0] for name, d in ds.items()}


def in_work(args, run):
    """run(args, work) after checking the tools and datasets, in --keep-work or a temporary
    folder removed afterwards; None (the problem printed) when something is missing."""
    try:
        check_tools(args.framer)
        check_datasets(args, plan_of(args))
        os.makedirs(args.out, exist_ok=True)
        if args.keep_work:
            os.makedirs(args.keep_work, exist_ok=True)
        work = os.path.abspath(args.keep_work or tempfile.mkdtemp(prefix="framer-bench-"))
        try:
            return run(args, work)
        finally:
            if not args.keep_work:
                shutil.rmtree(work, ignore_errors=True)
    except Missing as e:
        print("\n".join(f"run.py: {line}" for line in str(e).splitlines()), file=sys.stderr)
        return None


def write_tuned_json(args, mode, host, started, t0, ds, results, boot):
    """tuned.json: the accuracy-only systems' figures of this run, full or --accuracy-only,
    so that it never holds an older run's figures beside a newer results.json."""
    command = " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)
    doc = {"mode": mode, "date": started.isoformat(timespec="seconds"),
           "elapsed_s": time.perf_counter() - t0, "command": command, "machine": host,
           "versions": versions(os.path.abspath(args.framer)),
           "dataset_info": {name: d.to_json() for name, d in ds.items()},
           "datasets": {name: {s: res[s] for s in ACCURACY_SYSTEMS if s in res}
                        for name, res in results.items()},
           "bootstrap": boot}
    write_atomic(os.path.join(args.out, "tuned.json"),
                 json.dumps(doc, indent=2, ensure_ascii=False, default=plain) + "\n")
    return doc


def accuracy_main(args, host, started, t0):
    """--accuracy-only: tuned.json and RESULTS.md's framer --tune section."""
    done = in_work(args, accuracy_benchmark)
    if done is None:
        return 2
    ds, results = done
    _, boot = bootstrap_all(ds, results)
    doc = write_tuned_json(args, "accuracy-only", host, started, t0, ds, results, boot)
    command = doc["command"]
    provenance = (f"Measured with `{command}` ({doc['date']}, {doc['elapsed_s']:.0f} s; "
                  f"{host['cpu']}, {host['usable_cores']} usable cores, load average "
                  f"{host['loadavg_at_start']:.2f} at start; {doc['versions']['framer']}, "
                  f"commit {doc['versions']['commit']}). "
                  "The rest of this file is the last full run; tuned.json has these figures.")
    path = os.path.join(args.out, "RESULTS.md")
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else "# framer benchmark\n"
    section = tuned_section(results, provenance, boot, earlier_tuned_rows(old, results))
    write_atomic(path, replace_section(old, TUNED_HEADING, section))
    print(f"[bench] wrote {args.out}/tuned.json and the framer --tune section of RESULTS.md "
          f"({doc['elapsed_s']:.0f} s)", flush=True)
    fatal = [f"{name} {s}" for name, res in results.items() for s, r in res.items() if r.get("fatal")]
    if fatal:
        print("run.py: some runs failed: " + ", ".join(fatal), file=sys.stderr)
        return 1
    return 0


def benchmark(args, work):
    plan = plan_of(args)
    framer = os.path.abspath(args.framer)
    floor = run_measured(["true"], work).maxrss_kib
    ds = prepare_datasets(plan["datasets"], args, work)
    sotu = ds.get("sotu") or prepare_datasets(["sotu"], args, work)["sotu"]
    ag_rows = [(r["id"], r["text"]) for r in
               read_dicts(os.path.join(args.datasets, "ag-news", "ag_news_test.csv"))]

    results, sotu_trained = {}, None
    for name, d in ds.items():
        results[name], models = bench_dataset(d, framer, work)
        if name == "sotu" and all(models.get(k) for k in ("framer", "sklearn", "fasttext")):
            sotu_trained = models
    models = sotu_models(sotu, framer, work, sotu_trained)
    speed = speed_run(sotu, models, framer, plan["speed_rows"], args.repeats, work)
    remove_fasttext_model(models["fasttext"])
    scale = scale_series(sotu.train + sotu.test, ag_rows, models["framer"], framer,
                         plan["scale_sizes"], work)
    return ds, results, speed, scale, floor


def main(argv=None):
    started, t0 = datetime.datetime.now().astimezone(), time.perf_counter()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    host = machine()
    if args.accuracy_only:
        return accuracy_main(args, host, started, t0)
    done = in_work(args, benchmark)
    if done is None:
        return 2
    ds, results, speed, scale, floor = done
    f1s, boot = bootstrap_all(ds, results)

    infos = {name: d.to_json() for name, d in ds.items()}
    notes = collect_notes(results, speed, scale, floor)
    if args.only:
        notes.append(f"--only {','.join(args.only)}: the other datasets were not run")
    if args.quick:
        notes.append(f"quick mode: {', '.join(QUICK['datasets'])} only, speed run "
                     f"{QUICK['speed_rows']:,} rows, scale series up to "
                     f"{max(QUICK['scale_sizes']):,}; not the benchmark's figures")
    fatal = [f"{name} {s}" for name, res in results.items() for s, r in res.items()
             if r.get("fatal")]
    fatal += [p for p in scale["points"] if p["status"] != "ok"]
    fatal += [r for r in speed["systems"].values() if r["status"] != "ok"]
    doc = {"mode": "quick" if args.quick else "full", "date": started.isoformat(timespec="seconds"),
           "elapsed_s": time.perf_counter() - t0,
           "command": " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv),
           "rss_floor_kib": floor, "machine": host,
           "versions": versions(os.path.abspath(args.framer)),
           "dataset_info": infos, "datasets": results, "bootstrap": boot, "speed_run": speed,
           "scale_series": scale, "targets": evaluate_targets(results, speed, scale, f1s),
           "notes": notes}
    write_atomic(os.path.join(args.out, "results.json"),
                 json.dumps(doc, indent=2, ensure_ascii=False, default=plain) + "\n")
    write_atomic(os.path.join(args.out, "RESULTS.md"), render_markdown(doc))
    write_tuned_json(args, doc["mode"], host, started, t0, ds, results, boot)
    print(f"[bench] wrote {args.out}/RESULTS.md, results.json and tuned.json "
          f"({doc['elapsed_s']:.0f} s)", flush=True)
    if fatal:
        print("run.py: some runs failed; see the notes in RESULTS.md", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
