"""Labelled digit sets (MNIST IDX files, folders and tables of your own) and their metrics."""
