"""Sample media made in memory: images with Pillow, the first bytes of videos."""

from __future__ import annotations

from io import BytesIO

from PIL import ExifTags, Image

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 200
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 200
WEBM = b"\x1a\x45\xdf\xa3\x93\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x00" * 200


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), mode: str = "RGB", **options) -> bytes:
    """A small generated image in the given format."""
    color = (200, 30, 30, 128) if mode == "RGBA" else "red"
    out = BytesIO()
    Image.new(mode, size, color).save(out, format=fmt, **options)
    return out.getvalue()


def phone_photo() -> bytes:
    """A 60x30 JPEG as a phone writes it: turned by EXIF orientation, with GPS, make and a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown turned a quarter clockwise
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (45.0, 27.0, 50.0)
    out = BytesIO()
    Image.new("RGB", (60, 30), "blue").save(
        out, format="JPEG", exif=exif, comment=b"home sweet home", xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>"
    )
    return out.getvalue()
