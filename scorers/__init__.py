"""Inspect scorers and metrics for userlm-bench, usable by any task."""

from scorers.task_score import task_score

__all__ = ["task_score"]
