"""Task tests."""
