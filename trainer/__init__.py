"""cks-trainer: practise the CKS "fix this Dockerfile" tasks, graded like the exam and by reality."""

__version__ = "0.1.0"
