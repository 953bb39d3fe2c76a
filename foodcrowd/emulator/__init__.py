"""A local Toloka-compatible emulator with a simulated (or replayed) worker population.

``start(crowd, questions, world, state_dir) -> EmulatorHandle`` (``.url``, ``.snapshot()``, ``.stop()``);
drive it through ``toloka.client.TolokaClient(token, url=handle.url)``. See docs/emulator.md.
"""
from foodcrowd.emulator.population import PopulationError
from foodcrowd.emulator.server import EmulatorError, EmulatorHandle, start

__all__ = ["EmulatorError", "EmulatorHandle", "PopulationError", "start"]
