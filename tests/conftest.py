"""Shared test settings: the Hypothesis profiles the property tests run under, and one compliant
reference router per profile for the whole session.

Hypothesis profiles, picked with ``HYPOTHESIS_PROFILE``:

* ``ci`` (the default): Hypothesis' own number of examples, no per-example deadline, since a
  shared 2-core CI machine makes example timings noisy, and no example database, so a run
  depends on nothing but its code and seed;
* ``dev`` (``HYPOTHESIS_PROFILE=dev pytest``): ``ci`` with 10 examples per property test, for a
  fast local loop; it finds less, so it is not what CI runs;
* ``thorough`` (``HYPOTHESIS_PROFILE=thorough pytest``): ``ci`` with 1000 examples per property
  test, ten times the default, for a search before a release.

Tests that set their own ``@settings`` keep them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", parent=settings.get_profile("ci"), max_examples=10)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def reference_url() -> Iterator[Callable[[str], str]]:
    """``reference_url(profile_id)``: the base URL of a compliant reference router emulating
    that profile (no fault, no variant, no API key: any key or none is accepted), on a real
    loopback socket.

    One router per profile for the whole session, started on first use and stopped when the
    session ends. What the compliant router answers depends on the request alone, so tests
    sharing it stay independent of their order. A test that needs faults, variants, a key or other
    options starts its own with :func:`conformance.reference.serve_in_thread`.
    """
    # Imported here, not at the top: a test may check what importing the package loads.
    from conformance.reference import serve_in_thread

    with contextlib.ExitStack() as stack:
        urls: dict[str, str] = {}

        def url(profile_id: str) -> str:
            if profile_id not in urls:
                urls[profile_id] = stack.enter_context(serve_in_thread(profile=profile_id))
            return urls[profile_id]

        yield url


@pytest.fixture
def package_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A subprocess (a pytester project, a shell) imports the package this process imports."""
    import conformance

    root = str(Path(conformance.__file__).parents[1])
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, (root, path))))


@pytest.fixture(scope="session")
def no_done_url() -> Iterator[str]:
    """The base URL of a reference router whose streams end without ``data: [DONE]``."""
    from conformance.reference import serve_in_thread

    with serve_in_thread(faults=["no-done"]) as url:
        yield url
