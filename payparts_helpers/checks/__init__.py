"""Checks built on the pure rules: request lint, token findings, order frames.

They read a request or an answer and say what looks wrong; they send nothing.
"""
