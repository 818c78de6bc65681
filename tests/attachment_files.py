"""Files for attachment tests, made on the fly (nothing binary in the repository)."""
import io

from PIL import Image


def png(width: int, height: int, colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_exif(width: int, height: int) -> bytes:
    """A JPEG whose EXIF holds a camera name and GPS coordinates (and says to rotate: orientation 1 here)."""
    image = Image.new("RGB", (width, height), (20, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Secret camera"  # Make
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"GPS home")
    return buffer.getvalue()


def gif_frames(count: int, size=(24, 24)) -> bytes:
    frames = [Image.new("RGB", size, (index * 60 % 256, 100, 200 - index * 30 % 200)) for index in range(count)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    return buffer.getvalue()
