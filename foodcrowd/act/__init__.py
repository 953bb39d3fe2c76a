"""Act: apply plans against real services (Toloka or the emulator, the dataset registry, torch)."""
