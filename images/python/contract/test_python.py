"""What the Python image promises: Debian's Python 3.11 in a virtualenv at /opt/venv that the
image's user owns and installs into, and pip configured for the organisation's index."""

PROBE = "import json, sys; print(json.dumps([sys.executable, sys.prefix, sys.version_info[:2]]))"


def test_python_is_the_virtualenv_s_python_3_11(containers):
    ran = containers.run(["python", "-c", PROBE], entrypoint=[])
    assert ran.exit_code == 0, ran.output
    assert ran.output.strip() == '["/opt/venv/bin/python", "/opt/venv", [3, 11]]'


def test_the_virtualenv_is_first_on_path_and_belongs_to_the_user(image, containers):
    env = dict(e.split("=", 1) for e in image.attrs["Config"]["Env"])
    assert env["VIRTUAL_ENV"] == "/opt/venv"
    assert env["PATH"].split(":")[0] == "/opt/venv/bin"
    box = containers.start(["sleep", "600"], entrypoint=[])
    site = box.exec(["python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    owner = box.exec(["stat", "-c", "%U", "/opt/venv", site.output.strip()])
    assert owner.output.split() == ["bbc", "bbc"]
    assert box.exec(["touch", f"{site.output.strip()}/written-by-the-user"]).exit_code == 0


def test_pip_uses_the_configured_index_and_the_trusted_certificates(containers):
    ran = containers.run(["python", "-m", "pip", "config", "list"], entrypoint=[])
    config = dict(line.split("=", 1) for line in ran.output.split())
    assert config["global.index-url"].strip("'").startswith("https://")
    assert config["global.cert"] == "'/etc/ssl/certs/ca-certificates.crt'"
    version = containers.run(["python", "-m", "pip", "--version"], entrypoint=[])
    assert "/opt/venv/lib/python3.11/site-packages/pip" in version.output
