"""What every Flask image promises: its entrypoint serves $APP_MODULE with gunicorn on $PORT,
with a /healthz endpoint, and secrets come in at run time (test_no_secret.py: never in the
image)."""

def env_of(image) -> dict:
    return dict(e.split("=", 1) for e in image.attrs["Config"]["Env"] or [])


def test_the_entrypoint_serves_healthz_on_port(image, containers):
    port = int(env_of(image)["PORT"])
    web = containers.start(ports=[port])
    answer = web.wait_for_http("/healthz", port=port)
    assert answer.json() == {"status": "ok"}


def test_port_moves_the_server(containers):
    web = containers.start(environment={"PORT": "9090"}, ports=[9090])
    assert web.wait_for_http("/healthz", port=9090).json() == {"status": "ok"}


def test_secrets_are_read_at_run_time_from_a_mounted_file(containers):
    web = containers.start(files={"/run/secrets/db_password": "s3cret\n"}, ports=[8000])
    web.wait_for_port(8000)
    read = web.exec(["python", "-c", "from bbc_web import secret; print(secret('db_password'))"])
    assert (read.exit_code, read.output.strip()) == (0, "s3cret")
