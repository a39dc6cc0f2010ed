"""Labelled data for Kompress: weak labels, aligned pairs and a teacher that writes pairs."""

from training.data._build import SPLITS, build_datasets, check_disjoint, resolved_sources, source_rows
from training.data._discover import discover, sniff_kind
from training.data._pairs import AlignStats, Pair, align, pair_row, pair_rows, read_pairs, write_pairs
from training.data._teacher import INSTRUCTION, TeacherOptions, faithful, teach, teach_sync
from training.data._weak import nq_rows, qa_row, qa_rows, squad_rows, tool_row, trace_rows
from training.data._words import Row, budget_labels, informativeness, normalise

__all__ = [
    "AlignStats",
    "INSTRUCTION",
    "Pair",
    "Row",
    "SPLITS",
    "TeacherOptions",
    "align",
    "budget_labels",
    "build_datasets",
    "check_disjoint",
    "discover",
    "faithful",
    "informativeness",
    "normalise",
    "nq_rows",
    "pair_row",
    "pair_rows",
    "qa_row",
    "qa_rows",
    "read_pairs",
    "resolved_sources",
    "sniff_kind",
    "source_rows",
    "squad_rows",
    "teach",
    "teach_sync",
    "tool_row",
    "trace_rows",
    "write_pairs",
]
