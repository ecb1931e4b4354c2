"""Fixes made real on LibCST's tree: positions, edits, applying them."""
