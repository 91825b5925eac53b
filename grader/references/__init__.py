"""Trusted reference implementations the judge compares with; instructor-only, never in the student bundle."""
