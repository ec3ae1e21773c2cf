"""nlp-grader: grades NLP / ML interview coding questions; the verdict is computed outside the sandbox."""

__version__ = "0.1.0"
