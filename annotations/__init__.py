"""Source-credibility annotation app."""
