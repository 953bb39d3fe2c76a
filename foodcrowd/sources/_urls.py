"""How images reach annotators: the URL each task's ``image`` input holds.

In order: a URL the source already gave (a csv ``url`` column); ``dataset.public_base_url`` + relpath
(files the user serves); an upload to an S3-compatible bucket (``dataset.s3``, boto3, credentials from
the environment only); else a ``file://`` URI (the emulator needs no URL). Uploads are idempotent: an
object already in the bucket with the same size is not sent again.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from foodcrowd.errors import UserError

__all__ = ["assign_urls", "S3UploadError"]


class S3UploadError(UserError):
    """The bucket in ``dataset.s3`` cannot be reached or written."""


def _join(base: str, relpath: str) -> str:
    return base.rstrip("/") + "/" + quote(relpath.lstrip("/"))


def _s3_client(s3: dict):
    try:
        import boto3
    except ImportError:
        raise UserError("boto3 is not installed", "dataset.s3",
                        "pip install 'foodcrowd[s3]' (or set dataset.s3: null and use dataset.public_base_url)") from None
    kwargs = {k: s3[k] for k in ("endpoint_url", "region_name") if s3.get(k)}
    return boto3.client("s3", **kwargs)


def _s3_urls(items, s3: dict, client=None) -> list[str]:
    """Upload each local file under ``s3.prefix`` and return its URL (public base or presigned)."""
    from tqdm import tqdm

    client = client or _s3_client(s3)
    bucket, prefix = s3["bucket"], (s3.get("prefix") or "").strip("/")
    base = s3.get("public_base_url") or (
        f"{s3['endpoint_url'].rstrip('/')}/{bucket}" if s3.get("endpoint_url") else f"https://{bucket}.s3.amazonaws.com")
    urls = []
    for path, relpath, url in tqdm(list(zip(items["path"], items["relpath"], items["url"])),
                                   desc="data: uploading to S3", unit="file", disable=None):
        if url or not path:
            urls.append(url)
            continue
        key = f"{prefix}/{relpath}" if prefix else relpath
        try:
            if not _already_there(client, bucket, key, Path(path).stat().st_size):
                client.upload_file(str(path), bucket, key)
            if s3.get("presign_seconds"):
                urls.append(client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                                          ExpiresIn=int(s3["presign_seconds"])))
            else:
                urls.append(_join(base, key))
        except Exception as err:  # botocore raises many types; the user needs the bucket and the reason
            if isinstance(err, UserError):
                raise
            raise S3UploadError(f"uploading {path} to s3://{bucket}/{key} failed: {str(err).splitlines()[0][:200]}",
                                "dataset.s3", "check the bucket, endpoint_url and the AWS_* credentials in the "
                                "environment") from None
    return urls


def _already_there(client, bucket: str, key: str, size: int) -> bool:
    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except Exception as err:
        code = str(getattr(err, "response", {}).get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return int(head.get("ContentLength", -1)) == size


def assign_urls(items, ds: dict, s3_client=None):
    """Fill ``items.url`` in place and return ``(items, how)`` (how: source, public_base_url, s3, file)."""
    base, s3 = ds.get("public_base_url"), ds.get("s3")
    given = items["url"].astype(bool)
    if base:
        items["url"] = [u or (_join(base, r) if p else "") for u, r, p in zip(items["url"], items["relpath"], items["path"])]
        how = "public_base_url"
    elif s3:
        items["url"] = _s3_urls(items, s3, s3_client)
        how = "s3"
    else:
        items["url"] = [u or (Path(p).resolve().as_uri() if p else "") for u, p in zip(items["url"], items["path"])]
        how = "file"
    return items, ("source" if given.all() and len(items) else how)
