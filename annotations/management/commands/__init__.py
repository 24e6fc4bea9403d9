"""Management commands of the annotations app."""
