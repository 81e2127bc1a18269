"""``python -m harness view``: the run records as web pages (leaderboard, items, run-vs-run), a static
bundle for sharing, and the blinded rating pages behind ``python -m harness human serve``.

Pages only read records; the rating pages write human ratings through ``harness.human.serve``.
"""
