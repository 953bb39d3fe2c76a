"""Drawing of the synthetic food scenes behind the ``food_sample`` source (PIL only, deterministic per rng).

A scene is a table (wood, cloth, stone or slate), optional clutter (cutlery, napkins, crumbs, shakers),
the food itself and a lighting pass (brightness, colour cast, vignette, blur, sensor noise):

- solid: a plated meal of distinct pieces, a pizza, a salad bowl, bread on a board, fruit;
- liquid: a glass or a mug seen from the side, a cup on a saucer or a bowl of soup seen from above;
- other (the edge cases): a meal and a drink or soup in the same photo.

``fresh`` (colour saturation of the food), the lighting and the clutter also drive the latent appeal.

What is drawn is also recorded: :func:`render_scene` returns the foods on the plate (the tag vocabulary
of the foodcrowd-tags plugin's ``on_plate`` question, :data:`TAGS`), weighed by how much of the scene they
cover (a pizza's crust and sauce, a bread board or a bowl of fruit count as large; a plated piece or a
topping as one), so a "what is on the plate?" question has a truth that matches the picture. Recording
draws no random numbers: the images are the same as before it existed.
"""
from __future__ import annotations

import colorsys
import math

__all__ = ["render_scene", "KINDS", "TAGS", "MAX_TAGS"]

KINDS = {
    "solid": ("plate", "pizza", "salad", "bread", "fruit"),
    "liquid": ("glass", "mug", "cup", "soup"),
    "other": ("plate+glass", "plate+cup", "soup+bread", "pizza+glass"),
}
_TABLES = [(150, 105, 70), (196, 160, 120), (235, 232, 225), (120, 120, 125), (40, 42, 46),
           (70, 100, 150), (90, 130, 90), (180, 60, 60)]
_SOLID_FOOD = [(120, 70, 40), (150, 90, 50), (70, 140, 50), (230, 200, 90), (220, 60, 40), (240, 140, 40),
               (245, 240, 225), (200, 170, 110), (100, 60, 30), (160, 40, 60)]
# what each plated piece colour stands for (same order as _SOLID_FOOD): browns meat, green / red / orange
# vegetables, yellow cheese, salmon and white fish, beige bread, dark red berries
_SOLID_TAGS = ["meat", "meat", "vegetables", "cheese", "vegetables", "fish", "fish", "bread", "meat", "fruit"]
TAGS = ("vegetables", "meat", "fish", "bread", "cheese", "fruit", "sauce")  # the plugin's on_plate vocabulary
MAX_TAGS = 4  # its params.max_tags: the truth names the foods covering most of the scene, at most this many
_LARGE = 10   # the weight of a base (crust, sauce, bread board, a bowl of fruit) against one piece
_DRINKS = [(240, 150, 20), (120, 20, 40), (50, 25, 15), (190, 220, 240), (248, 248, 240), (220, 160, 40),
           (120, 70, 40), (200, 130, 90)]
_SOUPS = [(200, 50, 30), (240, 140, 40), (110, 160, 60), (240, 230, 200), (160, 110, 60), (220, 190, 90)]


def _fade(rgb, fresh: float):
    """Desaturate and dull a food colour as freshness drops (stale, grey food looks unappetizing)."""
    h, l, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    s *= 0.25 + 0.75 * fresh
    l = l * (0.8 + 0.2 * fresh)
    return tuple(int(255 * c) for c in colorsys.hls_to_rgb(h, l, s))


def _jitter(rng, rgb, amount: int = 18):
    return tuple(int(min(255, max(0, c + rng.integers(-amount, amount + 1)))) for c in rgb)


def _shade(rgb, f: float):
    return tuple(int(min(255, max(0, c * f))) for c in rgb)


def _blob(draw, rng, cx, cy, r, colour):
    """One food piece: an ellipse, a polygon or a stick (fries, pasta)."""
    kind = rng.integers(3)
    if kind == 0:
        rx, ry = r * rng.uniform(0.6, 1.2), r * rng.uniform(0.5, 1.0)
        draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=colour, outline=_shade(colour, 0.7))
    elif kind == 1:
        n = int(rng.integers(5, 8))
        pts = [(cx + r * rng.uniform(0.6, 1.2) * math.cos(2 * math.pi * k / n),
                cy + r * rng.uniform(0.6, 1.2) * math.sin(2 * math.pi * k / n)) for k in range(n)]
        draw.polygon(pts, fill=colour, outline=_shade(colour, 0.7))
    else:
        a = rng.uniform(0, math.pi)
        dx, dy = r * 1.3 * math.cos(a), r * 1.3 * math.sin(a)
        draw.line([cx - dx, cy - dy, cx + dx, cy + dy], fill=colour, width=max(2, int(r * 0.45)))


def _plate(draw, rng, cx, cy, r, fresh, found):
    rim = _jitter(rng, (240, 240, 238) if rng.random() < 0.7 else tuple(int(v) for v in rng.integers(60, 230, 3)))
    draw.ellipse([cx - r, cy - r * 0.92, cx + r, cy + r * 0.92], fill=rim, outline=_shade(rim, 0.75))
    draw.ellipse([cx - r * 0.72, cy - r * 0.66, cx + r * 0.72, cy + r * 0.66], fill=_shade(rim, 0.95))
    for _ in range(int(rng.integers(7, 15))):
        a, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, r * 0.5)
        k = rng.integers(len(_SOLID_FOOD))
        found[_SOLID_TAGS[k]] += 1
        colour = _jitter(rng, _fade(_SOLID_FOOD[k], fresh))
        _blob(draw, rng, cx + d * math.cos(a), cy + d * math.sin(a), r * rng.uniform(0.1, 0.22), colour)


def _pizza(draw, rng, cx, cy, r, fresh, found):
    found["bread"] += _LARGE
    found["sauce"] += _LARGE
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_fade((215, 165, 90), fresh), outline=(150, 100, 50))
    draw.ellipse([cx - r * 0.85, cy - r * 0.85, cx + r * 0.85, cy + r * 0.85], fill=_fade((210, 60, 35), fresh))
    for _ in range(int(rng.integers(14, 26))):
        a, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, r * 0.75)
        t = r * rng.uniform(0.06, 0.12)
        k = rng.integers(3)
        found[("cheese", "meat", "vegetables")[k]] += 1
        colour = _fade([(245, 225, 140), (130, 30, 30), (60, 120, 40)][k], fresh)
        x, y = cx + d * math.cos(a), cy + d * math.sin(a)
        draw.ellipse([x - t, y - t, x + t, y + t], fill=colour)


def _salad(draw, rng, cx, cy, r, fresh, found):
    bowl = _jitter(rng, (230, 230, 235))
    draw.ellipse([cx - r, cy - r * 0.9, cx + r, cy + r * 0.9], fill=bowl, outline=_shade(bowl, 0.7))
    for _ in range(int(rng.integers(14, 26))):
        a, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, r * 0.7)
        k = rng.integers(4)
        found[("vegetables", "vegetables", "vegetables", "cheese")[k]] += 1
        colour = _fade([(70, 150, 50), (110, 180, 60), (210, 40, 40), (240, 220, 120)][k], fresh)
        _blob(draw, rng, cx + d * math.cos(a), cy + d * math.sin(a), r * rng.uniform(0.08, 0.16), _jitter(rng, colour))


def _bread(draw, rng, cx, cy, r, fresh, found):
    found["bread"] += _LARGE
    board = _jitter(rng, (170, 120, 70))
    draw.rectangle([cx - r, cy - r * 0.7, cx + r, cy + r * 0.7], fill=board, outline=_shade(board, 0.6))
    for k in range(int(rng.integers(2, 5))):
        x = cx - r * 0.7 + k * r * 0.45
        crust = _fade((180, 120, 60), fresh)
        draw.rounded_rectangle([x, cy - r * 0.5, x + r * 0.38, cy + r * 0.5], radius=r * 0.15, fill=crust)
        draw.rounded_rectangle([x + r * 0.05, cy - r * 0.42, x + r * 0.33, cy + r * 0.42], radius=r * 0.1,
                               fill=_fade((235, 215, 170), fresh))


def _fruit(draw, rng, cx, cy, r, fresh, found):
    found["fruit"] += _LARGE
    for _ in range(int(rng.integers(3, 7))):
        a, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, r * 0.6)
        t = r * rng.uniform(0.22, 0.35)
        colour = _jitter(rng, _fade([(220, 40, 40), (250, 200, 40), (240, 130, 30), (120, 190, 60)][rng.integers(4)], fresh))
        x, y = cx + d * math.cos(a), cy + d * math.sin(a)
        draw.ellipse([x - t, y - t, x + t, y + t], fill=colour, outline=_shade(colour, 0.7))
        draw.ellipse([x - t * 0.4, y - t * 0.6, x - t * 0.1, y - t * 0.3], fill=_shade(colour, 1.3))


def _glass(draw, rng, cx, cy, r, fresh, found):  # drinks and soups: nothing on a plate
    w, h = r * rng.uniform(0.45, 0.65), r * rng.uniform(1.2, 1.7)
    top, bottom = cy - h / 2, cy + h / 2
    rim = (215, 225, 235)
    draw.polygon([(cx - w, top), (cx + w, top), (cx + w * 0.75, bottom), (cx - w * 0.75, bottom)], fill=_shade(rim, 0.9),
                 outline=(160, 170, 185))
    level = top + h * rng.uniform(0.12, 0.4)
    frac = (level - top) / h
    lw = w - (w - w * 0.75) * frac
    drink = _jitter(rng, _fade(_DRINKS[rng.integers(len(_DRINKS))], fresh), 10)
    draw.polygon([(cx - lw, level), (cx + lw, level), (cx + w * 0.75, bottom - 2), (cx - w * 0.75, bottom - 2)], fill=drink)
    if rng.random() < 0.3:  # foam
        draw.rectangle([cx - lw, level - h * 0.06, cx + lw, level + h * 0.03], fill=(245, 240, 225))
    draw.line([cx - w * 0.55, top + h * 0.1, cx - w * 0.45, bottom - h * 0.1], fill=(250, 250, 255), width=2)
    draw.ellipse([cx - w, top - w * 0.2, cx + w, top + w * 0.2], outline=(170, 180, 195), width=2)


def _mug(draw, rng, cx, cy, r, fresh, found):
    w, h = r * 0.55, r * 1.0
    body = _jitter(rng, tuple(int(v) for v in rng.integers(40, 250, 3)))
    draw.ellipse([cx + w * 0.6, cy - h * 0.3, cx + w * 1.5, cy + h * 0.3], outline=body, width=max(3, int(r * 0.12)))
    draw.rectangle([cx - w, cy - h / 2, cx + w, cy + h / 2], fill=body, outline=_shade(body, 0.7))
    draw.ellipse([cx - w, cy - h / 2 - w * 0.3, cx + w, cy - h / 2 + w * 0.3], fill=_shade(body, 0.85))
    drink = _fade(_DRINKS[rng.integers(len(_DRINKS))], fresh)
    draw.ellipse([cx - w * 0.85, cy - h / 2 - w * 0.22, cx + w * 0.85, cy - h / 2 + w * 0.22], fill=drink)


def _cup(draw, rng, cx, cy, r, fresh, found):
    saucer = _jitter(rng, (238, 238, 235))
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=saucer, outline=_shade(saucer, 0.75))
    rc = r * 0.6
    draw.rectangle([cx + rc * 0.9, cy - rc * 0.15, cx + rc * 1.45, cy + rc * 0.15], fill=_shade(saucer, 0.9))
    draw.ellipse([cx - rc, cy - rc, cx + rc, cy + rc], fill=_shade(saucer, 0.92), outline=_shade(saucer, 0.7))
    drink = _jitter(rng, _fade(_DRINKS[rng.integers(len(_DRINKS))], fresh), 10)
    draw.ellipse([cx - rc * 0.82, cy - rc * 0.82, cx + rc * 0.82, cy + rc * 0.82], fill=drink)
    if rng.random() < 0.4:  # foam ring of a cappuccino
        draw.ellipse([cx - rc * 0.5, cy - rc * 0.5, cx + rc * 0.5, cy + rc * 0.5], fill=(235, 215, 185))
    draw.ellipse([cx - rc * 0.45, cy - rc * 0.6, cx - rc * 0.15, cy - rc * 0.45], fill=_shade(drink, 1.5))


def _soup(draw, rng, cx, cy, r, fresh, found):
    bowl = _jitter(rng, (235, 232, 228) if rng.random() < 0.6 else tuple(int(v) for v in rng.integers(50, 230, 3)))
    draw.ellipse([cx - r, cy - r * 0.92, cx + r, cy + r * 0.92], fill=bowl, outline=_shade(bowl, 0.7))
    soup = _jitter(rng, _fade(_SOUPS[rng.integers(len(_SOUPS))], fresh), 10)
    draw.ellipse([cx - r * 0.78, cy - r * 0.72, cx + r * 0.78, cy + r * 0.72], fill=soup)
    for _ in range(int(rng.integers(0, 4))):  # herbs, croutons, a swirl of cream
        a, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, r * 0.5)
        t = r * rng.uniform(0.03, 0.07)
        x, y = cx + d * math.cos(a), cy + d * math.sin(a)
        draw.ellipse([x - t, y - t, x + t, y + t], fill=[(60, 120, 40), (240, 235, 220), (200, 160, 80)][rng.integers(3)])
    draw.ellipse([cx - r * 0.5, cy - r * 0.5, cx - r * 0.1, cy - r * 0.34], fill=_shade(soup, 1.45))
    if rng.random() < 0.5:  # a spoon
        draw.line([cx + r * 0.3, cy + r * 0.2, cx + r * 1.2, cy + r * 0.9], fill=(185, 185, 190), width=max(2, int(r * 0.08)))


_DRAW = {"plate": _plate, "pizza": _pizza, "salad": _salad, "bread": _bread, "fruit": _fruit,
         "glass": _glass, "mug": _mug, "cup": _cup, "soup": _soup}


def _table(draw, rng, size):
    base = _jitter(rng, _TABLES[rng.integers(len(_TABLES))], 20)
    draw.rectangle([0, 0, size, size], fill=base)
    pattern = rng.integers(3)
    if pattern == 0:  # wood grain
        for y in range(0, size, int(rng.integers(6, 14))):
            draw.line([0, y, size, y + rng.integers(-4, 5)], fill=_shade(base, rng.uniform(0.8, 0.95)), width=1)
    elif pattern == 1:  # checked cloth
        step = int(rng.integers(size // 8, size // 4))
        for x in range(0, size, step * 2):
            draw.rectangle([x, 0, x + step, size], fill=_shade(base, 0.85))
    return base


def _clutter(draw, rng, size, level):
    for _ in range(int(rng.poisson(level * 5))):
        x, y = rng.uniform(0, size), rng.uniform(0, size)
        kind = rng.integers(4)
        if kind == 0:  # knife or fork
            a = rng.uniform(0, math.pi)
            L = size * rng.uniform(0.2, 0.35)
            draw.line([x, y, x + L * math.cos(a), y + L * math.sin(a)], fill=(190, 190, 198), width=max(2, size // 60))
        elif kind == 1:  # napkin
            s = size * rng.uniform(0.1, 0.2)
            draw.rectangle([x, y, x + s, y + s * 0.8], fill=_jitter(rng, (230, 225, 215), 25))
        elif kind == 2:  # crumbs
            for _ in range(6):
                cx, cy = x + rng.normal(0, size * 0.04), y + rng.normal(0, size * 0.04)
                draw.ellipse([cx - 1.5, cy - 1.5, cx + 1.5, cy + 1.5], fill=(190, 150, 90))
        else:  # a salt shaker
            s = size * 0.04
            draw.ellipse([x - s, y - s, x + s, y + s], fill=(245, 245, 245), outline=(150, 150, 150))


def render_scene(rng, cls: str, image_size: int, fresh: float, light: float, clutter: float, scale: float):
    """Draw one scene of class ``cls``; return (PIL image, kind, tags): ``tags`` the foods on the plate,
    at most :data:`MAX_TAGS` of :data:`TAGS` (most covered first, ties in vocabulary order), in
    vocabulary order; () for a drink or a soup."""
    from collections import Counter

    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    size = image_size * 2  # drawn at twice the size, then downsampled (anti-aliasing)
    img = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(img)
    _table(draw, rng, size)
    _clutter(draw, rng, size, clutter)
    found: Counter = Counter()
    kinds = KINDS[cls]
    kind = kinds[rng.integers(len(kinds))]
    parts = kind.split("+")
    if len(parts) == 1:
        r = size * 0.5 * scale
        cx, cy = size / 2 + rng.normal(0, size * 0.05), size / 2 + rng.normal(0, size * 0.05)
        _DRAW[kind](draw, rng, cx, cy, r, fresh, found)
    else:  # two objects side by side: the edge cases
        r = size * 0.3 * scale
        left = rng.random() < 0.5
        for k, part in enumerate(parts):
            side = -1 if (k == 0) == left else 1
            cx = size / 2 + side * size * 0.22 + rng.normal(0, size * 0.03)
            cy = size / 2 + rng.normal(0, size * 0.08)
            _DRAW[part](draw, rng, cx, cy, r * (1.0 if k == 0 else rng.uniform(0.7, 0.95)), fresh, found)
    img = img.resize((image_size, image_size), Image.BILINEAR)
    if rng.random() < 0.3:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    arr = np.asarray(img, dtype=np.float32)
    tint = np.array([1.0 + rng.normal(0, 0.06), 1.0, 1.0 + rng.normal(0, 0.06)], dtype=np.float32)
    yy, xx = np.mgrid[0:image_size, 0:image_size] / max(1, image_size - 1) - 0.5
    vignette = 1.0 - rng.uniform(0.0, 0.8) * (xx ** 2 + yy ** 2)
    arr = arr * light * tint * vignette[..., None] + rng.normal(0, 4 + 6 * (1 - light), arr.shape)
    top = sorted(found, key=lambda t: (-found[t], TAGS.index(t)))[:MAX_TAGS]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), kind, tuple(t for t in TAGS if t in top)
