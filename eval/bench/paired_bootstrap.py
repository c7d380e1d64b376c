"""Paired bootstrap of macro-F1 (and F_avg) differences between systems that labeled the same
test rows.

Why paired: every system labels the same rows, so a resample that happens to hold hard rows is
hard for all of them. Scoring every system on the same resamples and taking the difference on
each cancels that shared luck; two separate intervals per system would overstate the doubt.

Why by document: the paragraphs of one document share its topic, source and wording. Where
the test split keeps whole documents together (SOTU's `group`, war-framing's `document`),
they are not independent draws, so a resample draws whole documents, as another test set from
the same source would; drawing their rows one by one would understate the spread. Where the
split is by row (GVFC, AG News), a resample draws rows.

macro-F1 per resample comes from weighted confusion counts (one matrix product per system),
computed as the runner's score() does: the mean over the labels that occur in the truth or in
that system's predictions of F1 = 2 TP / (2 TP + FP + FN); a missing prediction is wrong.
F_avg (SemEval-2016 Task 6, for a stance task with a none class) is the mean of F1 over a fixed
list of labels, the runner's: a listed label with no rows and no predictions in a resample has
F1 0, as the official scorer gives; the none class's rows count (a listed label predicted for
one is a false positive of it). Its resamples are the macro-F1's: the same seed draws the same
weights.
"""
import numpy as np

RESAMPLES = 2000


def unit_weights(units, resamples, rng):
    """How often each row is in each resample, (resamples, rows): a resample draws as many
    units as the test set has, with replacement, and a row comes with its unit."""
    _, unit_of_row = np.unique(np.array(units, dtype=str), return_inverse=True)
    n = unit_of_row.max() + 1
    draws = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples)
    return draws[:, unit_of_row].astype(float)


def one_hot(labels, index):
    """rows × labels indicator; a label not in index (a missing prediction) is a row of zeros."""
    m = np.zeros((len(labels), len(index)))
    for row, label in enumerate(labels):
        if label in index:
            m[row, index[label]] = 1.0
    return m


def macro_f1(weights, truth, pred):
    """macro-F1 of each weighted resample from the one-hot truth and predictions."""
    tp = weights @ (truth * pred)
    both = weights @ truth + weights @ pred          # 2 TP + FP + FN, per label
    present = both > 0
    f1 = np.divide(2 * tp, both, out=np.zeros_like(tp), where=present)
    return f1.sum(axis=1) / present.sum(axis=1)


def resampled_macro_f1(truth, predictions, units, seed, missing=None, resamples=RESAMPLES):
    """{system: macro-F1 on each resample}, every system on the same resamples.

    truth: the test rows' labels; predictions: {system: labels in the same row order, missing
    for none}; units: each row's resampling unit (its document, or the row itself)."""
    labels = set(truth).union(*map(set, predictions.values())) - {missing}
    index = {label: i for i, label in enumerate(sorted(labels))}
    weights = unit_weights(units, resamples, np.random.default_rng(seed))
    t = one_hot(truth, index)
    return {system: macro_f1(weights, t, one_hot(pred, index))
            for system, pred in predictions.items()}


def mean_f1(weights, truth, pred):
    """F1 averaged over every column (the F_avg labels), 0 where a label has neither rows nor
    predictions in a resample."""
    tp = weights @ (truth * pred)
    both = weights @ truth + weights @ pred
    f1 = np.divide(2 * tp, both, out=np.zeros_like(tp), where=both > 0)
    return f1.mean(axis=1)


def resampled_f_avg(truth, predictions, units, seed, labels, resamples=RESAMPLES):
    """{system: F_avg on each resample}, over the given labels (not the none class), on the
    same resamples as resampled_macro_f1 with the same seed."""
    index = {label: i for i, label in enumerate(labels)}
    weights = unit_weights(units, resamples, np.random.default_rng(seed))
    t = one_hot(truth, index)
    return {system: mean_f1(weights, t, one_hot(pred, index))
            for system, pred in predictions.items()}


def compare(mine, rivals, margin=0.0, strict=True):
    """The gap, in F1 points, of mine over the best of rivals plus margin, on each resample:
    its 95% percentile interval and the share of resamples where it is > 0 (≥ 0 if not strict)."""
    gap = 100 * (mine - np.max(rivals, axis=0)) + margin
    lo, hi = np.percentile(gap, [2.5, 97.5])
    ahead = gap > 0 if strict else gap >= 0
    return {"ci95_points": [float(lo), float(hi)], "share": float(ahead.mean())}


def verdict(ci):
    """Where the interval lies with respect to 0."""
    lo, hi = ci
    return "above 0" if lo > 0 else "below 0" if hi < 0 else "not distinguishable from 0"
