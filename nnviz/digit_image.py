"""A student's digit -> an MNIST-style 28×28 input, keeping every step so the page can show it.

MNIST's own preprocessing (LeCun et al., "Gradient-based learning applied to document
recognition", 1998): the digit is white ink on black, cropped to the ink, scaled to fit a
20×20 box keeping its aspect ratio (with anti-aliasing, hence grey edges), and pasted into a
28×28 field so that its centre of mass sits at the centre. Convention here, as measured on
real MNIST digits: with 0-based pixel indices (row, column) the centre of mass lands at
(14, 14) to within half a pixel, because the shift is a whole number of pixels.

Two ways in: ``decode_upload`` (the bytes of an uploaded file) and ``canvas_to_grey`` (the
RGBA pixels of streamlit-drawable-canvas). Both give greyscale float32 arrays, 0..255 with
255 = white paper, and ``to_mnist`` takes it from there. Every problem with the student's
image raises ``ImageError`` with a message meant for the student; nothing else is raised.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

Array = np.ndarray


class ImageError(ValueError):
    """A problem with the student's image, worded for the student."""


MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # matches server.maxUploadSize = 5 in .streamlit/config.toml
MAX_PIXELS = 30_000_000  # 5000×5000 is accepted (decoded at reduced size where possible); larger is refused
MIN_SIDE = 8  # smaller images cannot hold a recognisable digit
WORKING_SIDE = 560  # uploads are reduced to at most this many pixels a side (20 × the 28-pixel field)

FIELD = 28  # MNIST's image side
BOX = 20  # the digit is scaled to fit a BOX×BOX square ...
CENTRE = 14.0  # ... and shifted so its centre of mass is at (CENTRE, CENTRE), 0-based (row, column)
MIN_CONTRAST = 24.0  # grey levels: an image whose ink differs less than this from the paper is blank
NOISE_LEVEL = 0.15  # pixels fainter than this fraction of the strongest ink are ink only next to stronger ink

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601-2, as PIL's convert("L")

FORMATS_HINT = "Please upload a PNG or JPEG picture of a digit (GIF, BMP, WebP and TIFF work too)."
# Only ordinary picture formats are tried: PIL would hand EPS files to Ghostscript, for example.
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF", "AVIF", "PPM", "TGA", "ICO")  # JPEG includes camera MPO
HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")  # iPhone photos

ORIENTATIONS = range(1, 9)  # EXIF's orientation tag: 1 = upright, 2–8 = flipped and/or turned


# --- getting a greyscale picture ---------------------------------------------------------------------------------


def composite_on_white(rgb: Array, alpha: Array | None = None) -> Array:
    """Colour (H, W, 3) or grey (H, W) 0..255 and optional alpha 0..255 -> grey on white paper.

    grey = L·a + 255·(1 − a), with luma L = 0.299 R + 0.587 G + 0.114 B and a = alpha / 255:
    a fully transparent pixel is white paper, an opaque one keeps its own grey.
    """
    rgb = np.asarray(rgb, dtype=np.float32)
    luma = rgb @ LUMA if rgb.ndim == 3 else rgb
    if alpha is None:
        return np.clip(luma, 0.0, 255.0).astype(np.float32)
    a = np.clip(np.asarray(alpha, dtype=np.float32) / 255.0, 0.0, 1.0)
    return np.clip(luma * a + 255.0 * (1.0 - a), 0.0, 255.0).astype(np.float32)


def canvas_to_grey(rgba: Array) -> Array:
    """The RGBA array (H, W, 4) uint8 of streamlit-drawable-canvas (``image_data``) -> grey 0..255.

    Composited on white: transparent pixels count as white paper, so a canvas with a
    transparent background and one with a white background give the same picture.
    An (H, W, 3) RGB array is accepted as fully opaque.
    """
    if rgba is None:
        raise ImageError("There is no drawing yet. Draw a digit on the canvas.")
    arr = as_array(rgba, "drawing")
    if arr.ndim != 3 or arr.shape[2] not in (3, 4) or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ImageError(f"The drawing could not be read: expected an RGBA picture, got an array of shape {arr.shape}.")
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise ImageError(f"The drawing could not be read: its pixels are of type {arr.dtype}, not numbers.")
    arr = np.nan_to_num(arr.astype(np.float32), nan=0.0, posinf=255.0, neginf=0.0)
    return composite_on_white(arr[..., :3], arr[..., 3] if arr.shape[2] == 4 else None)


def as_array(values: object, what: str) -> Array:
    """``np.asarray``, with ImageError instead of numpy's errors for ragged or odd input."""
    try:
        return np.asarray(values)
    except Exception as exc:  # ragged nested lists, objects that refuse conversion ...
        raise ImageError(f"The {what} could not be read: it is not an array of pixels.") from exc


def scale_to_255(values: Array, mode: str) -> Array:
    """High-bit-depth pixels (PIL modes I;16*, I, F) -> 0..255.

    16-bit modes divide by 65535. For 32-bit integers and floats the range is guessed:
    0..1 (floats only), 0..255, 0..65535, or else the image's own min..max is stretched.
    """
    v = np.nan_to_num(np.asarray(values, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if mode.startswith("I;16"):
        return v * np.float32(255.0 / 65535.0)
    low, high = float(v.min()), float(v.max())
    if mode == "F" and low >= 0.0 and high <= 1.0:
        return v * np.float32(255.0)
    if low >= 0.0 and high <= 255.0:
        return v
    if low >= 0.0 and high <= 65535.0:
        return v * np.float32(255.0 / 65535.0)
    return (v - np.float32(low)) * np.float32(255.0 / (high - low))  # high > low: otherwise it fits a range above


def reduction_factor(width: int, height: int) -> int:
    """A whole-number shrink factor that keeps the longer side at least 2 × WORKING_SIDE (and the shorter ≥ 1)."""
    return max(1, min(max(width, height) // (2 * WORKING_SIDE), width, height))


def block_mean(values: Array, factor: int) -> Array:
    """Shrink (H, W) by averaging factor×factor blocks, as float32 (a few edge pixels may be dropped)."""
    height, width = (values.shape[0] // factor) * factor, (values.shape[1] // factor) * factor
    blocks = values[:height, :width].reshape(height // factor, factor, width // factor, factor)
    return blocks.mean(axis=(1, 3), dtype=np.float32)


def check_size(width: int, height: int) -> None:
    """Refuse images with too many pixels (before decoding them) or a side too short for a digit."""
    if width * height > MAX_PIXELS:
        raise ImageError(f"The image is {width}×{height} pixels, more than the limit of {MAX_PIXELS / 1e6:.0f} million "
                         "pixels (5000×5000 is fine). Please shrink it or crop it to the digit.")
    if min(width, height) < MIN_SIDE:
        raise ImageError(f"The image is only {width}×{height} pixels: too small to hold a recognisable digit. "
                         f"Please upload an image at least {MIN_SIDE}×{MIN_SIDE} pixels (28×28 or larger works best).")


def exif_orientation(img: Image.Image) -> int:
    """The EXIF orientation tag (1 = upright) of a photo; 1 when missing or unreadable."""
    try:
        value = int(img.getexif().get(ExifTags.Base.Orientation, 1))
        return value if value in ORIENTATIONS else 1
    except Exception:  # noqa: BLE001 — a damaged EXIF block is no reason to refuse the picture
        return 1


def turned_upright(grey: Array, orientation: int) -> Array:
    """``grey`` turned as a photo with EXIF ``orientation`` must be to stand upright: PIL's
    ``ImageOps.exif_transpose``, applied to the already reduced picture rather than the full-size photo."""
    picture = Image.fromarray(grey)
    picture.getexif()[ExifTags.Base.Orientation] = orientation
    return np.asarray(ImageOps.exif_transpose(picture))


def image_to_grey(img: Image.Image) -> Array:
    """A PIL image of any mode -> grey float32 0..255 on white, reduced to at most WORKING_SIDE a side.

    Transparency (RGBA, LA, PA, P or L/RGB with a transparent colour) is composited on white
    (PIL resizes RGBA with premultiplied alpha, so shrinking first is exact); high-bit-depth
    modes are averaged down in numpy, then scaled to 0..255. RGB and L are never copied at
    full size: PIL shrinks them by whole blocks first (``reducing_gap``), then with Lanczos.
    """
    mode = img.mode
    if mode.startswith("I;16") or mode in ("I", "F"):  # PIL's own convert("L") would clip these at 255
        values = np.asarray(img)
        img = Image.fromarray(scale_to_255(block_mean(values, reduction_factor(*img.size)), mode))  # mode "F"
        del values
    elif "transparency" in img.info or mode in ("PA", "La", "RGBa"):
        img = img.convert("RGBA")
    elif mode == "1":
        img = img.convert("L")
    elif mode not in ("L", "LA", "RGB", "RGBA"):  # P (a palette of colours), CMYK, YCbCr ...
        img = img.convert("RGB")
    img.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    arr = np.asarray(img, dtype=np.float32)
    if img.mode in ("RGBA", "LA"):
        return composite_on_white(arr[..., :-1].squeeze(axis=-1) if img.mode == "LA" else arr[..., :3], arr[..., -1])
    return composite_on_white(arr)


def decode_upload(data: bytes) -> Array:
    """Uploaded file bytes -> greyscale float32 array (H, W) in 0..255 (255 = white).

    PNG, JPEG, GIF, BMP, WebP, TIFF, AVIF, PPM, TGA or ICO (``FORMATS``): the first frame of an
    animation, turned upright by its EXIF orientation, transparency composited on white.
    Big images are reduced early (JPEG decodes at 1/2, 1/4 or 1/8 size, then a thumbnail of at
    most WORKING_SIDE pixels a side) so a 5000×5000 upload stays fast and small in memory.
    Streamlit's UploadedFile itself is accepted too (its ``getvalue()`` is used).
    Raises ImageError for an empty, too big, unreadable, damaged, too large or too small image.
    """
    if hasattr(data, "getvalue"):
        data = data.getvalue()
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageError(f"No file was uploaded. {FORMATS_HINT}")
    size = memoryview(data).nbytes
    if size == 0:
        raise ImageError(f"The file is empty (0 bytes). {FORMATS_HINT}")
    if size > MAX_UPLOAD_BYTES:
        raise ImageError(f"The file is {size / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 2**20:.0f} MB. "
                         "Please upload a smaller picture (a crop around the digit is enough).")
    data = bytes(data)
    try:
        # PIL warns from 89 M pixels on and raises from 179 M; the warning is made an error here. Before Python
        # 3.14 catch_warnings swaps a process-wide filter list: if two sessions race, this filter may outlive the
        # block, which only turns this one warning into an error elsewhere too. Our MAX_PIXELS check comes next.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError as exc:
        if data[4:8] == b"ftyp" and data[8:12] in HEIC_BRANDS:
            raise ImageError("This is a HEIC photo (the iPhone's format), which cannot be read here. "
                             "Please export or share it as JPEG, or take a screenshot, and upload that.") from exc
        raise ImageError(f"This file is not a picture that can be read. {FORMATS_HINT}") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError("The image has far too many pixels (more than 89 million). "
                         "Please shrink it or crop it to the digit.") from exc
    except Exception as exc:  # PIL's plugins raise many kinds of errors on damaged headers
        raise ImageError(f"The file looks like a picture but its header is damaged. {FORMATS_HINT}") from exc
    with img:
        check_size(*img.size)
        try:
            if img.format in ("JPEG", "MPO"):
                img.draft("L", (WORKING_SIDE, WORKING_SIDE))  # decode at 1/2, 1/4 or 1/8 size, already grey
            img.load()
            orientation = exif_orientation(img)  # after load: a PNG may keep its EXIF after the pixels
            grey = image_to_grey(img)
        except MemoryError as exc:
            raise ImageError("The image is too large to open here. Please shrink it or crop it to the digit.") from exc
        except Exception as exc:  # truncated or corrupt data: OSError, SyntaxError, ValueError, struct.error ...
            raise ImageError("The image file is damaged or incomplete, so it cannot be read. "
                             "Please save or export it again and upload the new file.") from exc
    if orientation != 1:
        grey = turned_upright(grey, orientation)
    return np.ascontiguousarray(grey, dtype=np.float32)


# --- MNIST's preprocessing --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # eq=False: comparing numpy arrays with == gives arrays, not a bool
class Preprocessed:
    """Every stage from the student's picture to the 28×28 network input (float32, 0..255)."""

    grey: Array  # the input as greyscale, 255 = white (maybe reduced)
    inverted: bool  # whether it was inverted to white ink on black (MNIST's convention)
    ink: Array  # white ink on black: paper level subtracted, strongest ink stretched to 255, stray noise set to 0
    cropped: Array  # bounding box of the ink
    resized: Array  # fitted into a 20×20 box keeping the aspect ratio (as MNIST did)
    digit: Array  # 28×28: the resized box pasted so that the centre of mass is at (14, 14)
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # the crop in grey/ink: (top, left, bottom, right), bottom/right excl.
    offset: tuple[int, int] = (0, 0)  # where the resized box's top-left corner sits in the 28×28 field (row, column)


def written_size(image: Array) -> str:
    """An image's size as image sizes are written, width × height: '161×205' for 205 rows of 161 columns (the
    MNIST page wrote numpy's shape, rows first, so a tall drawn 7 read as wider than high)."""
    height, width = image.shape[:2]
    return f"{width}×{height}"


def border_level(grey: Array) -> float:
    """The paper's grey level: the median of the outermost rows and columns."""
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return float(np.median(border))


def ink_is_dark(grey: Array) -> bool:
    """Dark ink on light paper? True when the darkest pixel differs more from the border than the lightest.

    For ordinary pictures this is "the border is light"; it also handles grey paper in photos.
    """
    paper = border_level(grey)
    darker, lighter = paper - float(grey.min()), float(grey.max()) - paper
    return darker > lighter or (darker == lighter and paper > 127.5)


def touching(mask: Array) -> Array:
    """The pixels of ``mask`` and their 8 neighbours (a 3×3 dilation)."""
    padded = np.pad(mask, 1)
    height, width = mask.shape
    out = np.zeros_like(mask)
    for dy in range(3):
        for dx in range(3):
            out |= padded[dy:dy + height, dx:dx + width]
    return out


def ink_image(grey: Array, invert: bool) -> Array:
    """White ink on black: invert if asked, subtract the paper level, stretch the strongest ink to 255.

    Faint pixels (below NOISE_LEVEL of the strongest ink) are kept only where they touch
    stronger ink, as anti-aliased stroke edges do; faint specks elsewhere (paper texture,
    JPEG noise) become 0. So real MNIST digits keep their grey edges. Raises ImageError
    when the ink differs from the paper by less than MIN_CONTRAST grey levels: no digit.
    """
    ink = 255.0 - grey if invert else grey
    ink = np.clip(ink - border_level(ink), 0.0, None)
    peak = float(ink.max())
    if peak < MIN_CONTRAST:
        raise ImageError("No digit found: the picture is blank (or one uniform colour). "
                         "Draw or upload a digit, dark on light or light on dark.")
    ink = ink * (255.0 / peak)
    ink[~touching(ink >= NOISE_LEVEL * 255.0)] = 0.0
    return ink.astype(np.float32)


def ink_box(ink: Array) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the smallest rectangle holding every ink pixel; bottom/right exclusive."""
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def fit_box(cropped: Array, side: int = BOX) -> Array:
    """Scale so the longer side is ``side`` pixels, keeping the aspect ratio (Lanczos, anti-aliased)."""
    height, width = cropped.shape
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # PIL wants (width, height)
    resized = Image.fromarray(np.ascontiguousarray(cropped, dtype=np.float32)).resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 255.0)  # Lanczos overshoots a little


def centre_of_mass(image: Array) -> tuple[float, float]:
    """(row, column) of the intensity-weighted mean position, 0-based: Σ i·x / Σ x (the middle if Σ x = 0)."""
    total = float(image.sum())
    if not total > 0.0:
        return (image.shape[0] - 1) / 2, (image.shape[1] - 1) / 2
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def paste_centred(resized: Array, field: int = FIELD, centre: float = CENTRE) -> tuple[Array, tuple[int, int]]:
    """Paste into a black field×field image, shifted by whole pixels so the centre of mass is at (centre, centre).

    The shift is clamped so the whole box stays inside the field: no ink is cut off (the
    centre of mass is then off-centre, which can only happen for very lopsided shapes).
    """
    com_row, com_col = centre_of_mass(resized)
    height, width = resized.shape
    top = min(max(int(np.floor(centre - com_row + 0.5)), 0), field - height)
    left = min(max(int(np.floor(centre - com_col + 0.5)), 0), field - width)
    digit = np.zeros((field, field), dtype=np.float32)
    digit[top:top + height, left:left + width] = resized
    return digit, (top, left)


def to_mnist(grey: Array, invert: bool | None = None) -> Preprocessed:
    """MNIST's own preprocessing (LeCun et al.) of a greyscale picture (255 = white).

    1. ink white on black (``invert=None`` decides: dark ink on light paper is inverted);
    2. crop to the bounding box of the ink (faint specks away from the strokes do not count);
    3. fit into 20×20 keeping the aspect ratio, with anti-aliasing (Lanczos);
    4. paste into 28×28 so that the centre of mass is at the centre, (14, 14).

    Raises ImageError when there is no ink (a blank canvas or a uniform picture).
    """
    arr = as_array(grey, "picture")
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ImageError(f"The picture could not be read: expected a greyscale image, got an array of shape {arr.shape}.")
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise ImageError(f"The picture could not be read: its pixels are of type {arr.dtype}, not numbers.")
    arr = np.clip(np.nan_to_num(arr.astype(np.float32), nan=255.0, posinf=255.0, neginf=0.0), 0.0, 255.0)
    inverted = ink_is_dark(arr) if invert is None else bool(invert)
    ink = ink_image(arr, inverted)
    box = ink_box(ink)
    cropped = ink[box[0]:box[2], box[1]:box[3]]
    resized = fit_box(cropped)
    digit, offset = paste_centred(resized)
    return Preprocessed(grey=arr, inverted=inverted, ink=ink, cropped=cropped, resized=resized, digit=digit,
                        box=box, offset=offset)
