"""LLM judges: reference-guided single-answer grading and pairwise A/B in both orders."""
