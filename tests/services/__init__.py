"""Service tests."""
