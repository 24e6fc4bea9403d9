"""Agreement and reliability math for span annotations: pure Python + numpy."""
