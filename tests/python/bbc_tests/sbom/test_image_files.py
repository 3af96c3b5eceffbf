"""The SBOM's files as images hold them, read from archives laid out as `docker save` writes
them (sbom/image_files.py, the script the SBOM process runs)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from bbc.sbom import image_files
from bbc.sbom.image_files import ImageFilesError, read_archive

STATUS = "var/lib/dpkg/status"
SITE = "usr/lib/python3/dist-packages"
LIMIT = 10_000


def _file(name: str, data: bytes = b"") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _entry(name: str, kind: bytes, target: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, b""


def link(name: str, target: str):
    return _entry(name, tarfile.SYMTYPE, target)


def hard(name: str, target: str):
    return _entry(name, tarfile.LNKTYPE, target)


def folder(name: str):
    return _entry(name, tarfile.DIRTYPE)


def _tar(entries) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for info, data in entries:
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out.getvalue()


def layer(files: dict[str, bytes] | None = None, *entries) -> list:
    return [_file(name, data) for name, data in (files or {}).items()] + list(entries)


def saved(*images: list[list], first_byte: bytes = b"") -> tarfile.TarFile:
    """An archive as `docker save` writes it: each image a list of layers (lists of entries);
    layers are named by their place, so images that list the same layer first share it."""
    members, manifest = [], []
    for number, layers in enumerate(images):
        paths = []
        for depth, entries in enumerate(layers):
            path = f"blobs/sha256/l{number if depth else 0}{depth}"
            if path not in {m[0] for m in members}:
                members.append((path, _tar(entries)))
            paths.append(path)
        config = f"blobs/sha256/c{number}"
        members.append((config, json.dumps({"architecture": "amd64"}).encode()))
        manifest.append({"Config": config, "RepoTags": None, "Layers": paths})
    members.append(("manifest.json", json.dumps(manifest).encode()))
    return tarfile.open(fileobj=io.BytesIO(_tar([_file(n, d) for n, d in members])))


def files_of(archive: tarfile.TarFile, image: int = 0) -> dict[str, str]:
    document = read_archive(archive, LIMIT)
    found = document["images"][f"sha256:c{image}"]["files"]
    return {path: document["blobs"][key] for path, key in found.items()}


def test_an_upper_layer_replaces_a_file_and_adds_others() -> None:
    archive = saved(
        [
            layer({STATUS: b"one", "usr/lib/os-release": b"ID=debian"}),
            layer({STATUS: b"two", f"{SITE}/a-1.dist-info/METADATA": b"a"}),
        ]
    )
    assert files_of(archive) == {
        STATUS: "two",
        "usr/lib/os-release": "ID=debian",
        f"{SITE}/a-1.dist-info/METADATA": "a",
    }


def test_a_whiteout_removes_a_folder_of_a_lower_layer_and_everything_in_it() -> None:
    archive = saved(
        [
            layer(
                {f"{SITE}/a-1.dist-info/METADATA": b"a1", f"{SITE}/ab-1.dist-info/METADATA": b"ab"}
            ),
            layer({f"{SITE}/a-2.dist-info/METADATA": b"a2", f"{SITE}/.wh.a-1.dist-info": b""}),
        ]
    )
    assert files_of(archive) == {
        f"{SITE}/ab-1.dist-info/METADATA": "ab",
        f"{SITE}/a-2.dist-info/METADATA": "a2",
    }


def test_an_opaque_folder_hides_lower_layers_but_not_its_own_files_in_any_order() -> None:
    archive = saved(
        [
            layer({f"{SITE}/a-1.dist-info/METADATA": b"a 1", STATUS: b"status"}),
            layer({f"{SITE}/b-1.dist-info/METADATA": b"b 1", f"{SITE}/.wh..wh..opq": b""}),
        ]
    )
    assert files_of(archive) == {STATUS: "status", f"{SITE}/b-1.dist-info/METADATA": "b 1"}


def test_a_folder_replaced_by_a_symlink_without_a_whiteout_holds_nothing_of_the_lower_one() -> None:
    archive = saved(
        [
            layer(
                {
                    f"{SITE}/gone-1.dist-info/METADATA": b"gone",
                    "opt/py/kept-1.dist-info/METADATA": b"k",
                }
            ),
            layer({}, link(SITE, "/opt/py")),
        ]
    )
    assert files_of(archive) == {"opt/py/kept-1.dist-info/METADATA": "k"}


def test_a_symlinked_status_file_is_read_inside_the_image_never_on_the_host(tmp_path: Path) -> None:
    host_file = tmp_path / "host-status"
    host_file.write_text("Package: host\n")
    archive = saved(
        [
            layer({"srv/dpkg/status": b"Package: image\n"}),
            layer({}, link(STATUS, "/srv/dpkg/status"), link("etc/debian_version", str(host_file))),
        ]
    )
    assert files_of(archive) == {STATUS: "Package: image\n"}


def test_relative_links_and_dot_dots_stay_inside_the_image() -> None:
    archive = saved(
        [
            layer(
                {"etc/real-os-release": b"ID=debian", "usr/share/doc/libc6/copyright": b"GPL"},
                link("usr/lib/os-release", "../../../../../etc/real-os-release"),
                link("usr/share/doc/libc-bin", "libc6"),  # as Debian links doc folders
            )
        ]
    )
    assert files_of(archive) == {
        "usr/lib/os-release": "ID=debian",
        "usr/share/doc/libc-bin/copyright": "GPL",
        "usr/share/doc/libc6/copyright": "GPL",
    }


def test_a_symlinked_doc_folder_is_followed() -> None:
    archive = saved([layer({"opt/doc/hello/copyright": b"MIT"}, link("usr/share/doc", "/opt/doc"))])
    assert files_of(archive) == {"usr/share/doc/hello/copyright": "MIT"}


def test_a_symlink_loop_is_an_error_naming_the_path() -> None:
    archive = saved([layer({}, link(STATUS, "status2"), link("var/lib/dpkg/status2", "status"))])
    with pytest.raises(
        ImageFilesError, match="sha256:c0: /var/lib/dpkg/status goes through more than 40"
    ):
        read_archive(archive, LIMIT)


def test_a_hard_linked_file_is_read() -> None:
    archive = saved(
        [
            layer(
                {"usr/lib/os-release": b"ID=debian"},
                hard("etc/debian_version", "usr/lib/os-release"),
            )
        ]
    )
    assert files_of(archive)["etc/debian_version"] == "ID=debian"


def test_a_file_over_the_limit_is_named_and_not_read() -> None:
    big = b"x" * (LIMIT + 1)
    archive = saved([layer({"usr/share/doc/hello/copyright": big, STATUS: b"Package: a\n"})])
    document = read_archive(archive, LIMIT)
    assert document["images"]["sha256:c0"]["unread"] == [
        f"/usr/share/doc/hello/copyright holds {LIMIT + 1} bytes, more than the {LIMIT} bytes "
        "the SBOM reader takes from one file"
    ]  # its licences unknown; the packages all there
    assert list(document["images"]["sha256:c0"]["files"]) == [STATUS]
    archive = saved([layer({f"{SITE}/a-1.dist-info/METADATA": big})])
    with pytest.raises(
        ImageFilesError,
        match=f"/{SITE}/a-1.dist-info/METADATA holds {LIMIT + 1} bytes, more than the {LIMIT}",
    ):
        read_archive(archive, LIMIT)


def test_a_file_named_like_json_is_read_as_the_layer_it_is() -> None:
    archive = saved([layer({"[": b"not JSON", STATUS: b"Package: hello\n"})])
    assert files_of(archive) == {STATUS: "Package: hello\n"}


def test_shared_layers_are_read_once_and_files_written_once() -> None:
    base = layer({STATUS: b"Package: base\n"})
    archive = saved([base], [base, layer({"etc/debian_version": b"12.8"})])
    document = read_archive(archive, LIMIT)
    assert set(document["images"]) == {"sha256:c0", "sha256:c1"}
    assert len(document["blobs"]) == 2


def test_many_whiteouts_over_many_files() -> None:
    lower = {f"{SITE}/p{i}.dist-info/METADATA": b"x" for i in range(3000)}
    upper = {f"{SITE}/.wh.p{i}.dist-info": b"" for i in range(0, 3000, 2)}
    upper.update({f"etc/.wh.gone{i}": b"" for i in range(20000)})
    found = files_of(saved([layer(lower), layer(upper)]))
    assert sorted(found) == sorted(f"{SITE}/p{i}.dist-info/METADATA" for i in range(1, 3000, 2))


def test_the_script_prints_the_document_or_names_what_it_could_not_read(tmp_path: Path) -> None:
    status = b"Package: hello\n" + b"#" * 300
    archive = tmp_path / "images.tar"
    written = saved([layer({STATUS: status})])
    written.fileobj.seek(0)
    archive.write_bytes(written.fileobj.read())
    script = str(Path(image_files.__file__))

    ran = subprocess.run([sys.executable, script, str(archive), "1000"], capture_output=True)
    assert ran.returncode == 0, ran.stderr
    document = json.loads(ran.stdout)
    [key] = document["images"]["sha256:c0"]["files"].values()
    assert document["blobs"][key] == status.decode()

    ran = subprocess.run(
        [sys.executable, script, str(archive), "200"], capture_output=True, text=True
    )
    assert (ran.returncode, ran.stderr.strip(), ran.stdout) == (
        1,
        "sha256:c0: /var/lib/dpkg/status holds 315 bytes, more than the 200 bytes the SBOM "
        "reader takes from one file",
        "",
    )


def test_a_hard_link_to_a_symlink_is_that_symlink() -> None:
    archive = saved(
        [
            layer(
                {"data/f": b"Package: hello\n"},
                link("data/sym", "/data/f"),
                hard(STATUS, "data/sym"),
            )
        ]
    )
    assert files_of(archive) == {STATUS: "Package: hello\n"}


def test_a_status_database_that_is_no_file_is_an_error_naming_what_it_is() -> None:
    for entry, said in (
        (folder(STATUS), "/var/lib/dpkg/status is a folder, not a file"),
        (_entry(STATUS, tarfile.FIFOTYPE), "/var/lib/dpkg/status is a FIFO"),
    ):
        with pytest.raises(ImageFilesError, match=f"sha256:c0: {said}"):
            read_archive(saved([layer({}, entry)]), LIMIT)


def test_a_doc_folder_without_a_copyright_file_is_no_licence_and_no_error() -> None:
    archive = saved([layer({}, folder("usr/share/doc/hello/copyright"))])
    assert files_of(archive) == {}
