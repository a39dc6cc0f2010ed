"""Words to model inputs: sub-token chunks that never split a word, labels on first sub-tokens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

IGNORE = -100


@dataclass(frozen=True)
class Chunk:
    """One model input: a window of whole words of one row."""

    row: int
    first_word: int
    token_ids: list[int]
    """Without the special tokens (added at collation)."""
    word_of_token: list[int]
    """Index into the row's words for each token; the first token of a word carries its label."""
    labels: list[int]
    must_keep: list[bool]
    """Per word of the window."""


def chunk_row(
    row: int,
    words: Sequence[str],
    labels: Sequence[int],
    must: Sequence[bool],
    tokenizer: Any,
    max_length: int,
) -> list[Chunk]:
    """Split one row into windows of at most ``max_length - 2`` sub-tokens at word boundaries."""
    encoded = tokenizer(list(words), is_split_into_words=True, add_special_tokens=False)
    per_word: list[list[int]] = [[] for _ in words]
    for token, word in zip(encoded["input_ids"], encoded.word_ids(), strict=True):
        if word is not None:
            per_word[word].append(int(token))
    room = max_length - 2
    chunks: list[Chunk] = []
    start = 0
    while start < len(words):
        end, used = start, 0
        while end < len(words) and (end == start or used + len(per_word[end]) <= room):
            used += len(per_word[end])
            end += 1
        chunks.append(_chunk(row, start, end, per_word, labels, must, room))
        start = end
    return chunks


def _chunk(
    row: int,
    start: int,
    end: int,
    per_word: Sequence[Sequence[int]],
    labels: Sequence[int],
    must: Sequence[bool],
    room: int,
) -> Chunk:
    ids: list[int] = []
    owners: list[int] = []
    for index in range(start, end):
        # A single word longer than the window (a huge hash) keeps only its first sub-tokens.
        tokens = list(per_word[index])[: max(room - len(ids), 0)]
        ids.extend(tokens)
        owners.extend([index] * len(tokens))
    return Chunk(row, start, ids, owners, list(labels[start:end]), list(must[start:end]))


def chunk_dataset(rows: Iterable[dict[str, Any]], tokenizer: Any, max_length: int) -> list[Chunk]:
    """Chunks of every row of a dataset split."""
    chunks: list[Chunk] = []
    for index, row in enumerate(rows):
        chunks.extend(chunk_row(index, row["words"], row["labels"], row["must_keep"], tokenizer, max_length))
    return chunks


def collate(chunks: Sequence[Chunk], tokenizer: Any, must_weight: float) -> dict[str, torch.Tensor]:
    """Pad a batch; labels only on the first sub-token of each word, must-keep tokens weighted."""
    import torch

    # Rows are built as Python lists and converted once: element-wise tensor writes made collation,
    # not the GPU, the bottleneck of a training step (0.8 s of 1.1 s at 256 x 512 tokens).
    width = max(len(c.token_ids) for c in chunks) + 2
    pad = int(tokenizer.pad_token_id)
    input_ids, attention, labels, weights = [], [], [], []
    for chunk in chunks:
        ids = [tokenizer.cls_token_id, *chunk.token_ids, tokenizer.sep_token_id]
        row_labels = [IGNORE] * width
        row_weights = [0.0] * width
        for position, word in first_tokens(chunk):
            local = word - chunk.first_word
            row_labels[position + 1] = chunk.labels[local]
            row_weights[position + 1] = must_weight if chunk.must_keep[local] else 1.0
        padding = width - len(ids)
        input_ids.append(ids + [pad] * padding)
        attention.append([1] * len(ids) + [0] * padding)
        labels.append(row_labels)
        weights.append(row_weights)
    return {
        "input_ids": torch.tensor(input_ids, dtype=torch.long),
        "attention_mask": torch.tensor(attention, dtype=torch.long),
        "labels": torch.tensor(labels, dtype=torch.long),
        "weights": torch.tensor(weights, dtype=torch.float32),
    }


def first_tokens(chunk: Chunk) -> list[tuple[int, int]]:
    """``(token position, word index)`` of the first sub-token of each word in the chunk."""
    pairs = []
    previous = -1
    for position, word in enumerate(chunk.word_of_token):
        # A word's sub-tokens are contiguous, so a new owner is a new word.
        if word != previous:
            pairs.append((position, word))
            previous = word
    return pairs
