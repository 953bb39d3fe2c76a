"""Dataset sources: where the items to label come from (see docs/CONTRACTS.md)."""
