"""Reference computations and verifiers for exercise 11, the trusted side.

Instructor-only: `grader publish` leaves `grader/references/` out of the student
bundle. The exercise's hidden probes name these verifiers through
`keras_course.probes.reference_verify`, so only the judge imports them.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from keras_course.exercises.ex11_text_and_embeddings import NEIGHBOUR_TIES, OOV, PAD, vocabulary_problem


def vocabulary_reference(texts: list[str], min_count: int) -> list[str]:
    counts = Counter(word for text in texts for word in text.split())
    kept = sorted((word for word, count in counts.items() if count >= min_count), key=lambda w: (-counts[w], w))
    return [PAD, OOV, *kept]


def cosine_similarities(embeddings: np.ndarray, index: int) -> np.ndarray:
    """Cosine similarity of every row to row ``index``, in float64."""
    table = np.asarray(embeddings, dtype=np.float64)
    unit = table / np.linalg.norm(table, axis=1, keepdims=True)
    return unit @ unit[index]


def _vocabulary_of(got: np.ndarray) -> list[str] | str:
    """The tokens of a transformed vocabulary, or what is wrong with it."""
    text = str(got)
    if text.startswith("?"):
        return text[1:] + ", not a list of words"
    return text.split("\n")


def reserved_verify(args: tuple, got: np.ndarray) -> str | None:
    tokens = _vocabulary_of(got)
    if isinstance(tokens, str):
        return tokens
    if tokens[:2] != [PAD, OOV]:
        return f"a vocabulary that starts with {tokens[:2]!r}; it must start with the padding token '' and '[UNK]'"
    return None


def cutoff_verify(args: tuple, got: np.ndarray) -> str | None:
    tokens = _vocabulary_of(got)
    if isinstance(tokens, str):
        return tokens
    expected = vocabulary_reference(*args)
    if set(tokens) == set(expected) and len(tokens) == len(expected):
        return None
    return vocabulary_problem(expected, tokens) or "a vocabulary with a word listed twice"


def order_verify(args: tuple, got: np.ndarray) -> str | None:
    tokens = _vocabulary_of(got)
    return tokens if isinstance(tokens, str) else vocabulary_problem(vocabulary_reference(*args), tokens)


def _neighbour_rows(args: tuple, got: np.ndarray) -> tuple[list[int], str | None]:
    embeddings, index, k = args
    if got.shape != (k,):
        return [], f"an array of shape {got.shape}; expected {k} row numbers, shape ({k},)"
    if not np.all(np.isfinite(got)) or not np.array_equal(got, np.round(got)):
        return [], "numbers that are not row numbers (integers)"
    rows = [int(r) for r in got]
    if len(set(rows)) != k or not all(0 <= r < len(embeddings) for r in rows):
        return [], f"{k} row numbers that repeat or lie outside the table"
    return rows, None


def neighbour_count_verify(args: tuple, got: np.ndarray) -> str | None:
    return _neighbour_rows(args, got)[1]


def neighbour_self_verify(args: tuple, got: np.ndarray) -> str | None:
    rows, problem = _neighbour_rows(args, got)
    if problem is None and args[1] in rows:
        return "the row `index` itself among the neighbours (another row may be identical to it; that one stays)"
    return problem


def neighbour_cosine_verify(args: tuple, got: np.ndarray) -> str | None:
    embeddings, index, k = args
    rows, problem = _neighbour_rows(args, got)
    if problem:
        return problem
    similarities = cosine_similarities(embeddings, index)
    best = np.sort(np.delete(similarities, index))[::-1][:k]
    if not np.allclose(similarities[rows], best, rtol=0.0, atol=NEIGHBOUR_TIES):
        return "other rows, or the right rows in another order, than the most cosine-similar rows, most similar first"
    return None


def ids_layout_verify(args: tuple, got: np.ndarray) -> str | None:
    train_texts, test_texts, _, length, _ = args
    if got.shape != (8,):
        return "something other than a pair (x_train, x_test)"
    for name, texts, (axes, rows, cols, integers) in [
        ("x_train", train_texts, got[:4]),
        ("x_test", test_texts, got[4:]),
    ]:
        want = (len(texts), length)
        if axes != 2 or (rows, cols) != want:
            shape = (rows, cols)[: max(axes, 0)] if axes <= 2 else f"{axes} axes"
            return (
                f"{name} of shape {shape} for {len(texts)} text(s) and length {length}; expected shape {want}, one row "
                "of `length` ids per text, for a single text and for texts of exactly `length` words too"
            )
        if not integers:
            return (f"{name} as something other than a NumPy array of integers; the ids are integers in an array "
                    "(np.array of a list of int lists, or dtype=int)")
    return None


def masked_mean_shape_verify(args: tuple, got: np.ndarray) -> str | None:
    vectors = args[0]
    want = (vectors.shape[0], vectors.shape[2])
    if got.shape != want:
        return f"an array of shape {got.shape} for {want[0]} sentence(s) of dimension {want[1]}; expected shape {want}"
    return None
