"""Shared text handling for the benchmark runner and its helper processes.

Only the standard library: the fastText end-to-end helper imports this module
and must not pay for anything heavier than what a user's own script would.
"""
import csv
import re
import sys

# Paragraphs can be long (SOTU passages, GVFC articles).
csv.field_size_limit(sys.maxsize)

_TOKEN = re.compile(r"\w+|[^\w\s]+")
_SPACE = re.compile(r"\s+")
LABEL_PREFIX = "__label__"


def tokenize(text):
    """fastText's usual preparation: lowercase, punctuation split off as tokens."""
    return " ".join(_TOKEN.findall(text.lower()))


def label_token(label):
    """A label as one fastText token (whitespace inside becomes '_')."""
    return LABEL_PREFIX + _SPACE.sub("_", label.strip())


def read_rows(path, label_col=None):
    """(id, text, label) per record of a CSV with id and text columns.

    label is None when label_col is None; the row number stands in for a
    missing id column.
    """
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = []
        for n, rec in enumerate(reader, 1):
            rid = rec.get("id") or str(n)
            label = rec.get(label_col) if label_col else None
            rows.append((rid, rec["text"], label))
    return rows


def write_labels(path, pairs):
    """A labels CSV: id,label."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "label"])
        w.writerows(pairs)


def read_labels(path):
    """{id: label} from a labels CSV written by write_labels."""
    with open(path, encoding="utf-8", newline="") as f:
        return {rec["id"]: rec["label"] for rec in csv.DictReader(f)}
