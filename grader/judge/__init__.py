"""The judge, on the trusted side: it runs the hidden tests and scores them.

* :mod:`grader.judge.runner`: runs one exercise's hidden tests with pytest, in this process;
* :mod:`grader.judge.plugin`: the pytest plugin: fixtures, points from markers, outcomes as data;
* :mod:`grader.judge.proxy`: the ``submission`` fixture, which turns calls into sandbox requests,
  and :class:`~grader.judge.proxy.Handle`, an object that stayed in the sandbox;
* :mod:`grader.judge.remote`: what comes back: re-raised candidate exceptions;
* :mod:`grader.judge.seeds`: each test's random generator, from the run's seed.
"""
