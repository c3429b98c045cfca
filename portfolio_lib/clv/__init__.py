"""Customer lifetime value: summaries, probabilistic models, CLV with intervals."""
