"""A sitecustomize that would patch the interpreter at start-up, if it were ever loaded."""

import builtins

builtins.CHEATED = True
