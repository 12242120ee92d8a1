"""ML-engineer interview coach: a rubric-graded question bank, an interviewer and a grader."""
