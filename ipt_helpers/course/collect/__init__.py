"""Collect: file LMS downloads of submissions into submitted/, and import LMS class lists."""
