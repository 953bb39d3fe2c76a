"""Where images reach annotators: file:// by default, public_base_url, or an S3 upload (moto's in-process S3)."""
from __future__ import annotations

import pandas as pd
import pytest

from foodcrowd.sources._urls import assign_urls
from tests.sources.helpers import write_image


def _items(tmp_path):
    paths = [write_image(tmp_path / "imgs" / f"{k}.png", colour=(k, 0, 0)) for k in range(3)]
    return pd.DataFrame({"item_id": ["a", "b", "c"], "path": [str(p) for p in paths],
                         "relpath": [f"imgs/{k}.png" for k in range(3)], "url": ["", "", ""]})


def test_file_uris_by_default_and_a_public_base_url_when_set(tmp_path):
    items, how = assign_urls(_items(tmp_path), {"public_base_url": None, "s3": None})
    assert how == "file" and items["url"].iloc[0] == (tmp_path / "imgs" / "0.png").as_uri()
    items, how = assign_urls(_items(tmp_path), {"public_base_url": "https://cdn.example.org/food"})
    assert how == "public_base_url" and list(items["url"]) == [f"https://cdn.example.org/food/imgs/{k}.png" for k in range(3)]


@pytest.fixture
def s3(monkeypatch):
    pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with moto.mock_aws():
        import boto3

        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="food-bucket")
        yield client


def test_s3_upload_puts_every_file_once_and_returns_its_url(tmp_path, s3):
    cfg = {"s3": {"bucket": "food-bucket", "prefix": "run1", "public_base_url": "https://food-bucket.example.org"}}
    items, how = assign_urls(_items(tmp_path), cfg)
    assert how == "s3" and items["url"].iloc[1] == "https://food-bucket.example.org/run1/imgs/1.png"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="food-bucket")["Contents"])
    assert keys == [f"run1/imgs/{k}.png" for k in range(3)]
    body = s3.get_object(Bucket="food-bucket", Key="run1/imgs/2.png")["Body"].read()
    assert body == (tmp_path / "imgs" / "2.png").read_bytes()
    puts = []
    s3.meta.events.register("provide-client-params.s3.PutObject", lambda params, **kw: puts.append(params["Key"]))
    again, _ = assign_urls(_items(tmp_path), cfg, s3_client=s3)    # a re-run uploads nothing again
    assert puts == [] and list(again["url"]) == list(items["url"])
    first = _items(tmp_path).head(1)
    (tmp_path / "imgs" / "0.png").write_bytes(b"\x89PNG changed content of another size")
    assign_urls(first, cfg, s3_client=s3)                           # a changed file is sent again
    assert puts == ["run1/imgs/0.png"]


def test_s3_presigned_urls_and_a_missing_bucket(tmp_path, s3):
    from foodcrowd.sources._urls import S3UploadError

    items, _ = assign_urls(_items(tmp_path), {"s3": {"bucket": "food-bucket", "presign_seconds": 3600}})
    assert "food-bucket" in items["url"].iloc[0] and "Signature" in items["url"].iloc[0]
    with pytest.raises(S3UploadError) as info:
        assign_urls(_items(tmp_path), {"s3": {"bucket": "no-such-bucket"}})
    assert info.value.where == "dataset.s3" and "no-such-bucket" in str(info.value)
