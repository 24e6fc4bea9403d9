"""Corpus exporters: one module per format, each a generator of text lines."""
