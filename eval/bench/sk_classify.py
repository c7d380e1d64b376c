"""Label a CSV with a pickled scikit-learn pipeline (one benchmark process).

usage: sk_classify.py --model M.pkl --out LABELS.csv INPUT.csv

The benchmark times this whole process, start to exit: interpreter and
scikit-learn start-up, unpickling, reading the CSV, predicting, writing labels.
"""
import argparse
import pickle
import sys

import textprep


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("input")
    a = ap.parse_args()

    with open(a.model, "rb") as f:
        pipe = pickle.load(f)
    rows = textprep.read_rows(a.input)
    predicted = pipe.predict([r[1] for r in rows])
    textprep.write_labels(a.out, zip((r[0] for r in rows), predicted))
    return 0


if __name__ == "__main__":
    sys.exit(main())
