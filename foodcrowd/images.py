"""Opening images safely: huge ones are named, never decoded at full size by accident.

- An image over :data:`MAX_PIXELS` (Pillow's own decompression-bomb limit, ~89.5 megapixels) is refused
  with :class:`ImageTooLarge` naming the file and its size; the data stage lists it as bad data
  (``too_large``) instead of Pillow's ``DecompressionBombError`` traceback.
- Below that, :func:`open_reduced` asks the decoder for a reduced image (JPEG's DCT scaling via
  ``Image.draft``) when only a small one is needed: a 60-megapixel photo checked, thumbnailed or
  resized to 64 px costs a few MB, not hundreds.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["MAX_PIXELS", "ImageTooLarge", "open_reduced"]

MAX_PIXELS = 89_478_485  # = PIL.Image.MAX_IMAGE_PIXELS by default; a constant so imports stay light


class ImageTooLarge(ValueError):
    def __init__(self, path: Path | str, width: int, height: int) -> None:
        self.path, self.width, self.height = str(path), width, height
        super().__init__(f"{width} x {height} = {width * height / 1e6:.0f} megapixels, over the "
                         f"{MAX_PIXELS / 1e6:.1f} MP limit (Pillow's decompression-bomb limit); "
                         "downscale it (e.g. mogrify -resize '8000x8000>' FILE) or remove it")


@contextmanager
def open_reduced(path: Path | str, max_side: int | None = None) -> Iterator["object"]:
    """``PIL.Image`` of ``path``, refused over :data:`MAX_PIXELS`; with ``max_side``, decoded at no less
    than that size where the format can (JPEG), else at full size. Pixels are not loaded yet."""
    import warnings

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # our own check below, naming the file
        try:
            img = Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = saved
    with img:
        w, h = img.size
        if w * h > MAX_PIXELS:
            raise ImageTooLarge(path, w, h)
        if max_side and img.format == "JPEG" and max(w, h) > 2 * max_side:
            img.draft("RGB", (max_side, max_side))
        yield img
