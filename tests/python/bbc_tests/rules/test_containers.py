from bbc.rules.containers import freshest
from bbc_tests.fakes import process_result


def test_a_test_made_of_several_processes_is_reported_as_what_ran_in_this_run():
    old = process_result(b"old", run_id=1)
    cached = process_result(b"cached", source="hit_locally", run_id=2)
    ran = process_result(b"ran", run_id=2)
    assert freshest([old, ran, cached, None]) is ran
    assert freshest([cached, old]) is cached
    assert freshest([old, None]) is old
    assert freshest([None]) is None and freshest([]) is None
