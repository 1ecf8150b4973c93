"""Marking: written answers by question (the marking page), rubric comments, second marking."""
