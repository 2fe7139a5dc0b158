"""What is read back from Inspect logs.

- `logs`: evals and conversations from log files, through `inspect_ai.analysis`.
- `leaderboard`: one row per comparable run, as md, csv, html and plots.
- `gate`: the regression gate (`userlm-bench compare`).
"""
