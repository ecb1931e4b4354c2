"""The analysis, on the standard library's `ast` only: module facts, scopes, values, clients, targets, call sites.

Nothing here imports LibCST or codemods.fixes (tests/test_layers.py holds it so)."""
