"""Frames in and out: sources (cameras, videos, photos, folders), image files, outputs (JSON
Lines, annotated images and videos), the window, drawing, and the loop that runs a source
through the :mod:`camdigit.core` pipeline (runner)."""
