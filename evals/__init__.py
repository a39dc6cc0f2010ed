"""Evals: replay recorded agent traces, measure savings against accuracy, gate regressions.

Nothing here is imported by ``import headroom``; the CLI imports it lazily.
"""
