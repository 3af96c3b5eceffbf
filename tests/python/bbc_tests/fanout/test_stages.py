import json

import pytest

from bbc.fanout.stages import (
    Job,
    Plan,
    build_time_path,
    build_time_record,
    costs,
    describe_plan,
    plan,
    read_build_times,
)

R, P, F, M, W, J = (
    "images/root:root",
    "images/python:python",
    "images/flask:flask",
    "images/ml:ml",
    "apps/web:web",
    "apps/ml_job:ml_job",
)
FAMILY = {R: None, P: R, F: P, M: P, W: F, J: M}
SECONDS = {R: 30.0, P: 20.0, F: 5.0, M: 40.0, W: 1.0, J: 2.0}


def jobs(result: Plan) -> list[list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    return [[(job.targets, job.pull) for job in stage] for stage in result.stages]


def assert_sound(result: Plan, parents: dict, affected: set) -> None:
    """Every affected image built exactly once, and every ancestor a job pulls either not
    affected (in the registry already) or built in an earlier stage."""
    built = [t for stage in result.stages for job in stage for t in job.targets]
    assert sorted(built) == sorted(affected)
    done: set = set()
    for stage in result.stages:
        for job in stage:
            for image in job.targets:
                parent = parents[image]
                assert parent is None or parent in job.pull or parent in job.targets
            assert all(a not in affected or a in done for a in job.pull)
        done |= {t for job in stage for t in job.targets}


def test_one_runner_builds_everything_in_one_job_parents_first() -> None:
    result = plan(FAMILY, FAMILY, SECONDS, runners=1)
    assert jobs(result) == [[((R, P, F, W, M, J), ())]]
    assert result.seconds == 98


def test_one_runner_is_one_job_whatever_the_sums_rounding() -> None:
    parents = {"r": None, **{f"c{i}": "r" for i in range(3)}}
    result = plan(parents, parents, {"r": 29.666, **{f"c{i}": 0.1 for i in range(3)}}, runners=1)
    assert len(result.stages) == 1 and len(result.stages[0]) == 1


def test_a_root_change_builds_the_trunk_then_the_branches_side_by_side() -> None:
    result = plan(FAMILY, FAMILY, SECONDS, runners=2)
    assert jobs(result) == [[((R, P), ())], [((M, J), (R, P)), ((F, W), (R, P))]]
    assert [job.seconds for job in result.stages[1]] == [42, 6]
    assert result.seconds == 50 + 42
    # More runners than branches: nothing more to split (ml's branch is a chain).
    assert jobs(plan(FAMILY, FAMILY, SECONDS, runners=8)) == jobs(result)
    assert_sound(result, FAMILY, set(FAMILY))


def test_a_changed_intermediate_pulls_its_unchanged_ancestors() -> None:
    result = plan(FAMILY, {F, W}, SECONDS, runners=4)
    assert jobs(result) == [[((F, W), (R, P))]]


def test_independent_changes_are_separate_jobs_each_with_its_own_ancestors() -> None:
    result = plan(FAMILY, {W, J}, SECONDS, runners=2)
    assert jobs(result) == [[((J,), (R, P, M)), ((W,), (R, P, F))]]
    assert plan(FAMILY, {W, J}, SECONDS, runners=1).stages == ((Job((J, W), (R, P, M, F), 3.0),),)


def test_subtrees_are_spread_longest_first_over_the_runners() -> None:
    parents = {"r": None, **{c: "r" for c in "abcde"}}
    seconds = {"r": 1.0, "a": 5.0, "b": 4.0, "c": 3.0, "d": 2.0, "e": 1.0}
    result = plan(parents, parents, seconds, runners=2)
    assert jobs(result) == [
        [(("r",), ())],
        [(("a", "d", "e"), ("r",)), (("b", "c"), ("r",))],
    ]
    assert result.seconds == 1 + 8
    assert_sound(result, parents, set(parents))


def test_images_outside_the_hierarchy_and_empty_selections() -> None:
    assert plan(FAMILY, {"src/python/bbc:plugin"}, SECONDS, runners=3).stages == ()
    assert plan(FAMILY, (), SECONDS, runners=3).to_json()["stages"] == []


def test_json_names_every_job_and_estimates_the_wall_time() -> None:
    data = plan(FAMILY, FAMILY, SECONDS, runners=2).to_json()
    assert data["runners"] == 2 and data["images"] == 6 and data["estimated_seconds"] == 92
    assert data["stages"][1][0] == {
        "name": "stage-2-job-1",
        "targets": [M, J],
        "pull": [R, P],
        "estimated_seconds": 42,
    }


def test_no_runner_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        plan(FAMILY, FAMILY, SECONDS, runners=0)


def test_costs_fall_back_to_the_median_then_to_counts() -> None:
    assert costs([R, P, F], {}) == {R: 1.0, P: 1.0, F: 1.0}
    recorded = {R: {None: 30.0}, P: {None: 10.0}, W: {None: 99.0}}
    assert costs([R, P, F], recorded) == {R: 30.0, P: 10.0, F: 20.0}
    assert costs([R], {R: {None: 0.0}}) == {R: 1.0}


def test_an_image_costs_its_own_build_and_its_variants() -> None:
    recorded = {M: {None: 40.0, "cuda12": 100.0}, F: {None: 5.0}}
    assert costs([M, F], recorded, {M: ("cuda12",)}) == {M: 140.0, F: 5.0}
    # A variant never recorded costs what the image's other builds did.
    assert costs([M], recorded, {M: ("cuda12", "rocm6")}) == {M: 40.0 + 100.0 + 70.0}
    # An image never recorded: each of its builds costs the median build of the others.
    assert costs([M, F, J], recorded, {M: ("cuda12",), J: ("cuda12",)})[J] == 2 * 40.0
    # Nothing recorded: balanced by builds, an image with a variant counting two.
    assert costs([M, F], {}, {M: ("cuda12",)}) == {M: 2.0, F: 1.0}
    # A variant the image no longer has is not built, whatever an old record says.
    assert costs([M], recorded) == {M: 40.0}


def test_variants_build_times_move_an_image_into_a_job_of_its_own() -> None:
    parents = {"r": None, **{c: "r" for c in "abc"}}
    seconds = {"r": {None: 1.0}, "a": {None: 5.0}, "b": {None: 4.0}, "c": {None: 3.0}}
    alone = plan(parents, "abc", costs("abc", seconds), runners=2)
    assert jobs(alone) == [[(("b", "c"), ("r",)), (("a",), ("r",))]]
    # c's CUDA variant takes 20 s: without it the plan under-counts c four times over.
    seconds["c"]["cuda12"] = 20.0
    timed = plan(parents, "abc", costs("abc", seconds, {"c": ("cuda12",)}), runners=2)
    assert jobs(timed) == [[(("c",), ("r",)), (("a", "b"), ("r",))]]
    assert [job.seconds for job in timed.stages[0]] == [23.0, 9.0]


def test_build_time_records_round_trip_and_garbage_is_skipped() -> None:
    records = [
        build_time_record(R, "1.0.0-0123456789ab", 12.3456).decode(),
        "not json",
        '{"address": "x"}',
        "[1, 2]",
        build_time_record(P, "1.0.0-aaaaaaaaaaaa", 2).decode(),
        build_time_record(P, "1.0.0-cuda12-aaaaaaaaaaaa", 7.5, "cuda12").decode(),
    ]
    assert read_build_times(records) == {R: {None: 12.346}, P: {None: 2.0, "cuda12": 7.5}}
    assert json.loads(records[-1])["variant"] == "cuda12"
    assert "variant" not in json.loads(records[0])


def test_each_build_has_its_own_record_file() -> None:
    assert build_time_path("bbc/ml") == "bbc/build-times/bbc/ml.json"
    assert build_time_path("bbc/ml", "cuda12") == "bbc/build-times/bbc/ml+cuda12.json"


def test_the_summary_gives_seconds_only_when_build_times_are_recorded() -> None:
    result = plan(FAMILY, FAMILY, SECONDS, runners=2)
    timed = describe_plan(6, 6, result, 2, 6, "dist/bbc/build-times")
    assert timed.endswith(
        f"about {result.seconds:.0f} s (6 build times recorded in dist/bbc/build-times)."
    )
    counted = plan(FAMILY, FAMILY, costs(list(FAMILY), {}), runners=2)
    untimed = describe_plan(6, 6, counted, 2, 0, "dist/bbc/build-times")
    assert " s " not in untimed and "about" not in untimed
    assert untimed.endswith(
        "balanced by build counts: no build times recorded in dist/bbc/build-times (`package` "
        "and `publish` record them there)."
    )
