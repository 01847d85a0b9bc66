"""Training-side code (needs TensorFlow: ``pip install camdigit[train]``).

Nothing in the runtime path imports this package.
"""
