"""Train a scikit-learn text classifier and pickle it (one benchmark process).

usage: sk_train.py --kind linearsvc|svc --train FILE.csv --label-col COL
                   --model OUT.pkl --timing OUT.json

TF-IDF (sublinear tf, 1-2 grams, min_df 2) then LinearSVC(random_state=0) or
SVC(kernel='linear') (LIBSVM inside). Rows with an empty label are left out.
The timing file holds the seconds spent in fit_transform and in fit, measured
inside this process: the "training seconds" the benchmark compares against.
"""
import argparse
import json
import pickle
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC, LinearSVC

import textprep


def make_classifier(kind):
    if kind == "linearsvc":
        return LinearSVC(random_state=0)
    if kind == "svc":
        return SVC(kernel="linear")
    raise SystemExit(f"sk_train: unknown --kind {kind}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--label-col", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--timing", required=True)
    a = ap.parse_args()

    rows = [r for r in textprep.read_rows(a.train, a.label_col) if r[2]]
    texts = [r[1] for r in rows]
    labels = [r[2] for r in rows]

    vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2)
    clf = make_classifier(a.kind)
    t0 = time.perf_counter()
    X = vec.fit_transform(texts)
    t1 = time.perf_counter()
    clf.fit(X, labels)
    t2 = time.perf_counter()

    with open(a.model, "wb") as f:
        pickle.dump(Pipeline([("tfidf", vec), ("clf", clf)]), f, protocol=pickle.HIGHEST_PROTOCOL)
    with open(a.timing, "w") as f:
        json.dump({"fit_transform_s": t1 - t0, "fit_s": t2 - t1, "train_s": t2 - t0,
                   "rows": len(rows), "features": X.shape[1]}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
