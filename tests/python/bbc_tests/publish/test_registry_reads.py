"""Reads of a registry (skopeo) that meet a server error are tried again, later; other failures
are not."""

from __future__ import annotations

from pants.engine.process import FallibleProcessResult, Process
from pants.testutil.rule_runner import MockGet, run_rule_with_mocks

from bbc.publish.registry import READ_RETRY_DELAYS, _Raw, _RawRequest, raw

from bbc_tests.fakes import REGISTRIES, process_result

REF = "127.0.0.1:5000/bbc/mid:1.0.0"
# skopeo 1.9 reading a tag that registry:2 is rewriting for another client at that moment
SERVER_ERROR = (
    b'time="2026-12-07T22:58:03Z" level=fatal msg="Error parsing image name \\"docker://'
    + REF.encode()
    + b'\\": reading manifest 1.0.0 in 127.0.0.1:5000/bbc/mid: received unexpected HTTP status: '
    b'500 Internal Server Error"'
)


def read(answers: list[FallibleProcessResult]) -> tuple[_Raw, list[Process]]:
    ran: list[Process] = []

    def run(process: Process) -> FallibleProcessResult:
        ran.append(process)
        return answers.pop(0)

    value = run_rule_with_mocks(
        raw,
        rule_args=[_RawRequest("127.0.0.1:5000", REF, "publish:web"), REGISTRIES],
        mock_gets=[MockGet(output_type=FallibleProcessResult, input_types=(Process,), mock=run)],
    )
    return value, ran


def test_a_read_that_meets_a_server_error_is_tried_again_later_and_its_answer_stands() -> None:
    manifest = b'{"schemaVersion": 2}'
    value, ran = read(
        [process_result(stderr=SERVER_ERROR, exit_code=1)] * 2 + [process_result(manifest)]
    )
    assert value == _Raw(manifest)
    first, *again = ran
    assert first.argv[0] == "/usr/bin/skopeo"
    assert [p.argv[:4] for p in again] == [
        ("/bin/bash", "-c", 'sleep "$0" && exec "$@"', str(delay)) for delay in READ_RETRY_DELAYS
    ]
    assert {p.argv[4:] for p in again} == {first.argv}
    assert all("again, after a server error" in p.description for p in again)


def test_a_registry_that_fails_every_try_is_named_with_what_to_do() -> None:
    value, ran = read([process_result(stderr=SERVER_ERROR, exit_code=1)] * 3)
    assert len(ran) == 1 + len(READ_RETRY_DELAYS)
    assert isinstance(value.value, str)
    assert value.value.startswith(f"could not read {REF}: the registry failed on every try: ")
    assert "500 Internal Server Error" in value.value
    assert "Look at its logs" in value.value and "publish again" in value.value


def test_a_missing_tag_or_a_refusal_is_an_answer_and_is_not_read_again() -> None:
    missing = b'level=fatal msg="reading manifest 1.0.0 in r/x: manifest unknown"'
    value, ran = read([process_result(stderr=missing, exit_code=1)])
    assert (value, len(ran)) == (_Raw(None), 1)
    refused = b'level=fatal msg="unauthorized: authentication required"'
    value, ran = read([process_result(stderr=refused, exit_code=1)])
    assert len(ran) == 1 and "the registry refused access" in str(value.value)
