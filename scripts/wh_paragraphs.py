#!/usr/bin/env python3
"""List the paragraphs of the White House texts on the war (../shared/datasets/wh-ukraine),
one JSON object per line: id, document, source, date, text, n_words.

Paragraphs are the blank-line separated blocks of each file's body (after its YAML front
matter), numbered from 1 in file order; lines are joined with one space. Only whitespace,
Markdown emphasis and escapes, and transcript stage directions such as "(Applause.)" are
removed; the words are the White House's own. Used to pick the paragraphs of
data/labeled/ (see data/labeled/README.md); the texts are U.S. government works in the
public domain.

usage: scripts/wh_paragraphs.py [DATASET_DIR] > paragraphs.jsonl
"""
import json
import os
import re
import sys

STAGE = re.compile(r"\((Applause|Laughter|Inaudible|Cross-talk|Crosstalk)\.?\)", re.I)


def front_matter(lines):
    meta, i = {}, 1
    while i < len(lines) and lines[i].strip() != "---":
        m = re.match(r"^(\w+):\s*(.*)$", lines[i])
        if m:
            meta[m.group(1)] = m.group(2).strip().strip("'\"")
        i += 1
    return meta, i + 1


def clean(text):
    text = text.replace("\\_", " ").replace("\u00a0", " ")
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!$])", r"\1", text)
    text = re.sub(r"(?<!\w)[*_]{1,3}|[*_]{1,3}(?!\w)", "", text)
    text = re.sub(r"<s>.*?</s>", "", text)  # struck-through words in transcripts
    text = re.sub(r"<[^>]+>", "", text)
    text = STAGE.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    meta, start = front_matter(lines)
    block, n = [], 0
    for line in lines[start:] + [""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            n += 1
            yield meta, n, clean(" ".join(block))
            block = []


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "shared", "datasets", "wh-ukraine")
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if not name.endswith(".md"):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, os.path.dirname(os.path.normpath(root)))
            doc = name[:-3]
            for meta, n, text in paragraphs(path):
                if not text:
                    continue
                print(json.dumps({"id": f"{doc}#{n}", "document": doc, "source": rel,
                                  "date": meta.get("date", ""), "text": text,
                                  "n_words": len(text.split())}, ensure_ascii=False))


if __name__ == "__main__":
    main()
