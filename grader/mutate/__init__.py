"""Mutation analysis of an exercise's hidden tests (``grader mutate``).

Mutants of the solution's answer cells (`grader.mutate.operators`,
`grader.mutate.mutants`) are graded as students through the real pipeline
(`grader.mutate.analysis`); a mutant that keeps full marks is a gap in the
hidden tests unless a person reviewed it as equivalent
(`grader.mutate.equivalents`).
"""
