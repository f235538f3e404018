"""Checking and storing uploads: media files (images, videos) and contracts (PDF).

A file is trusted for what its bytes are, never for its name or the browser's
content type: images must open in Pillow, videos must carry an MP4/QuickTime or
WebM signature, contracts must start with `%PDF-`. Files are stored under random
names below MEDIA_ROOT/compliance/ and served only by the permission-checked
views in compliance.views.
"""

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from compliance import conf
from compliance.models import MediaKind, PostMedia

FOLDER = "compliance"
THUMBNAIL_SIZE = (480, 480)
IMAGE_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"),
                 "GIF": ("image/gif", ".gif"), "WEBP": ("image/webp", ".webp")}  # fmt: skip


@dataclass
class CheckedFile:
    kind: str  # image, video, pdf
    data: bytes
    original_name: str
    content_type: str
    extension: str
    sha256: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def _read(upload, limit: int) -> bytes:
    name = getattr(upload, "name", "") or _("the file")
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("%(name)s is too large; the limit is %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)}
        )
    if not data:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    return data


def _video_type(head: bytes) -> tuple[str, str] | None:
    if len(head) >= 12 and head[4:8] == b"ftyp":
        if head[8:12] == b"qt  ":
            return "video/quicktime", ".mov"
        return "video/mp4", ".mp4"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm", ".webm"
    return None


def check_media(upload) -> CheckedFile:
    """An image or a video, or a ValidationError that says what is wrong with it."""
    name = (getattr(upload, "name", "") or "upload")[-255:]
    head = upload.read(16)
    upload.seek(0)
    video = _video_type(head)
    if video:
        data = _read(upload, conf.get("COMPLIANCE_MAX_VIDEO_BYTES"))
        return CheckedFile(
            "video", data, name, video[0], video[1], hashlib.sha256(data).hexdigest()
        )
    data = _read(upload, conf.get("COMPLIANCE_MAX_IMAGE_BYTES"))
    not_media = _(
        "%(name)s is not an image (JPEG, PNG, GIF, WebP) or a video (MP4, MOV, WebM)."
    ) % {"name": name}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            image = Image.open(io.BytesIO(data))
            if image.format not in IMAGE_FORMATS:
                raise ValidationError(not_media)
            width, height = image.size
            if width * height > conf.get("COMPLIANCE_MAX_IMAGE_PIXELS"):
                raise ValidationError(_("%(name)s has too many pixels.") % {"name": name})
            image.seek(0)
            thumb = image.convert("RGB")
            thumb.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            thumb.save(out, "JPEG", quality=82)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise ValidationError(not_media) from exc
    content_type, extension = IMAGE_FORMATS[image.format]
    return CheckedFile(
        "image",
        data,
        name,
        content_type,
        extension,
        hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
        thumbnail=out.getvalue(),
    )


def check_contract(upload) -> CheckedFile:
    name = (getattr(upload, "name", "") or "contract.pdf")[-255:]
    data = _read(upload, conf.get("COMPLIANCE_MAX_CONTRACT_BYTES"))
    if not data.startswith(b"%PDF-"):
        raise ValidationError(_("%(name)s is not a PDF file.") % {"name": name})
    return CheckedFile(
        "pdf", data, name, "application/pdf", ".pdf", hashlib.sha256(data).hexdigest()
    )


def store(data: bytes, extension: str) -> str:
    """Save `data` under a new random name; returns its path relative to MEDIA_ROOT."""
    return default_storage.save(f"{FOLDER}/{secrets.token_hex(16)}{extension}", ContentFile(data))


def delete(*paths: str) -> None:
    for path in paths:
        if path:
            default_storage.delete(path)


# --- Storing a post's uploads -----------------------------------------------------------


def _check_uploads(media, contract) -> tuple[list, object]:
    """Check every upload before anything is written: one bad file saves nothing."""
    errors = []
    checked = []
    for upload in media or []:
        try:
            checked.append(check_media(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    checked_contract = None
    contract_errors = []
    if contract is not None:
        try:
            checked_contract = check_contract(contract)
        except ValidationError as exc:
            contract_errors = exc.messages
    if errors or contract_errors:
        raise ValidationError(
            {k: v for k, v in {"media": errors, "contract": contract_errors}.items() if v}
        )
    return checked, checked_contract


class _Stored:
    """Paths written during a service, removed again if its transaction rolls back."""

    def __init__(self):
        self.paths: list[str] = []

    def add(self, path: str) -> str:
        self.paths.append(path)
        return path

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is not None:
            delete(*self.paths)
        return False


def _save_media(post, checked: list, actor, stored: _Stored) -> None:
    existing = post.media.count()
    if existing + len(checked) > conf.get("COMPLIANCE_MAX_MEDIA_PER_POST"):
        raise ValidationError(
            {
                "media": _("A post has at most %(max)s media files.")
                % {"max": conf.get("COMPLIANCE_MAX_MEDIA_PER_POST")}
            }
        )
    for item in checked:
        path = stored.add(store(item.data, item.extension))
        thumbnail = stored.add(store(item.thumbnail, ".jpg")) if item.thumbnail else ""
        PostMedia.objects.create(
            post=post,
            kind=MediaKind.IMAGE if item.kind == "image" else MediaKind.VIDEO,
            file=path,
            thumbnail=thumbnail,
            original_name=item.original_name,
            content_type=item.content_type,
            size=len(item.data),
            sha256=item.sha256,
            width=item.width,
            height=item.height,
            uploaded_by=actor,
        )


def _save_contract(post, checked, stored: _Stored) -> list[str]:
    """Store the new contract; returns the old file to delete once the change commits."""
    old = [post.contract_file] if post.contract_file else []
    post.contract_file = stored.add(store(checked.data, ".pdf"))
    post.contract_name = checked.original_name
    post.contract_sha256 = checked.sha256
    return old


def _delete_after_commit(paths: list[str]) -> None:
    if paths:
        transaction.on_commit(lambda: delete(*paths))
