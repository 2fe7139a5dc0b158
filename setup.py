"""Packaging that pyproject.toml cannot say: `tasks/` is installed as the package `userlm_bench`, so its
tasks are registered as `userlm_bench/<task>` (`inspect eval userlm_bench/gsm8k_multiturn` from anywhere)
while `inspect eval tasks/gsm8k_multiturn.py` keeps working in a clone. Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["benchmark*", "scorers*"]), "userlm_bench"],
    package_dir={"userlm_bench": "tasks"},
)
