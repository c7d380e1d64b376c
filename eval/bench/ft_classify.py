"""Label a CSV with a fastText model, end to end (one benchmark process).

usage: ft_classify.py --fasttext BIN --model m.bin --out LABELS.csv INPUT.csv

Reads the CSV, lowercases and splits the text (textprep.tokenize, as for
training), streams it through `fasttext predict m.bin -` and writes id,label.
The benchmark times this process start to exit; its peak RSS (os.wait4) is the
larger of this process and the fasttext child it waits for.
"""
import argparse
import subprocess
import sys
import threading

import textprep


def feed(stdin, rows):
    try:
        for r in rows:
            stdin.write(textprep.tokenize(r[1]) + "\n")
    finally:
        stdin.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fasttext", default="fasttext")
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("input")
    a = ap.parse_args()

    rows = textprep.read_rows(a.input)
    p = subprocess.Popen([a.fasttext, "predict", a.model, "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, encoding="utf-8", bufsize=1 << 20)
    writer = threading.Thread(target=feed, args=(p.stdin, rows))
    writer.start()
    predicted = [line.strip() for line in p.stdout]
    writer.join()
    if p.wait() != 0:
        raise SystemExit(f"ft_classify: fasttext predict exited with {p.returncode}")
    if len(predicted) != len(rows):
        raise SystemExit(f"ft_classify: {len(rows)} rows in, {len(predicted)} predictions out")
    prefix = len(textprep.LABEL_PREFIX)
    textprep.write_labels(a.out, ((r[0], lab[prefix:]) for r, lab in zip(rows, predicted)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
