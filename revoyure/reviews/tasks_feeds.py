"""The feed watcher job (feeds.py)."""
