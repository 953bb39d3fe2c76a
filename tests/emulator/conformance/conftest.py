"""An emulator with no foodcrowd question and no world: every project is foreign to it, as on Toloka."""
from __future__ import annotations

import pytest

from tests.emulator.conftest import crowd, population

POP = population({"good": {"share": 0.8, "accuracy": 0.95}, "careless": {"share": 0.2, "accuracy": 0.5}}, size=200)


@pytest.fixture
def toloka_emulator(tmp_path):
    """(handle, client): an emulator with no foodcrowd question and no world (any project is foreign to it)."""
    import toloka.client as toloka_client

    from foodcrowd.emulator import start

    handle = start(crowd(POP, time_scale=1e6), None, None, tmp_path / "emulator")
    try:
        yield handle, toloka_client.TolokaClient(handle.token, url=handle.url, retries=2, timeout=30)
    finally:
        handle.stop()
