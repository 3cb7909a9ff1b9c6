"""Evaluation: the test procedure and baselines, sample-success-rate tables, ``show`` figures."""
