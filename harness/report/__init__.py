"""From run records to markdown: collect a comparison, compute statistics, render tables."""
