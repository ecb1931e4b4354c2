"""Running over a tree: discovery, the per-file engine, the worker pool, the cache, writing back, notebooks."""
