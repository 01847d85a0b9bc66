"""A frame's whole trip, with no input/output: find the digits (finder, ink, segmentation,
proposals, crops), normalize them (preprocess), read them (classifier), follow them across
frames (tracking), group them into numbers (lines, numbers, number_history), and the types that
carry the result (detections); :mod:`camdigit.core.pipeline` runs these in order.

Nothing here imports :mod:`camdigit.io`, :mod:`camdigit.commands` or :mod:`camdigit.web`.
"""
