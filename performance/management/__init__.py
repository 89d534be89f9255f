"""Management commands of conversation QA."""
