import json

import pytest

from bbc.sbom.image_sbom import SBOMError, _read_images

CONFIG = json.dumps({"architecture": "amd64", "created": "2026-12-02T08:21:55Z"})


def _document(status: str) -> str:
    return json.dumps(
        {
            "images": {
                "sha256:1": {
                    "config": CONFIG,
                    "files": {"var/lib/dpkg/status": "s"},
                    "unread": ["/usr/share/doc/big/copyright holds 9 bytes, more than the 8"],
                }
            },
            "blobs": {"s": status},
        }
    )


def test_each_image_gets_the_packages_its_files_name() -> None:
    status = "Package: hello\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n"
    [(image_id, (found, unread))] = _read_images(_document(status), {"sha256:1": "x"}).items()
    assert (image_id, [p.name for p in found.packages]) == ("sha256:1", ["hello"])
    assert unread == ("/usr/share/doc/big/copyright holds 9 bytes, more than the 8",)


def test_a_damaged_status_database_names_the_image_and_the_file() -> None:
    status = "Status: install ok installed\nVersion: 1.0\n"
    with pytest.raises(SBOMError) as raised:
        _read_images(_document(status), {"sha256:1": "bbc/x:1.0.0-abc"})
    assert str(raised.value).startswith(
        "Could not read the packages in bbc/x:1.0.0-abc: dpkg's status database lists an installed "
        "package without Package (Status: install ok installed, Version: 1.0): the image's "
        "/var/lib/dpkg/status is damaged"
    )
