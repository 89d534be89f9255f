"""Benchmarks: SupportOps measured beside the tools a user would pick instead, in the same run."""
