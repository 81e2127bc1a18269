"""Head-to-head evaluation of SFT and RAG systems on culturally nuanced questions.

Data flows one way: benchmark items -> systems -> answers -> scores/judgments -> statistics ->
leaderboard. Each arrow is a typed record on disk (see ``harness.records``).
"""

__version__ = "0.1.0"
