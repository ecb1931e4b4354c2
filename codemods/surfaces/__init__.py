"""The kinds of door through which code reaches a model, one module each (found as checks/ are)."""
