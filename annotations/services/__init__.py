"""Write workflows, one module per sub-domain."""
