"""The nightly refresh under Prefect: the steps of flows/refresh.py as a flow whose sources refresh in parallel task
runs and whose build is a task run. The flow run ends Failed when a source is quarantined, with the quarantine
reports and the summary as artifacts. `observatoire run --no-prefect` runs the same steps without this module.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.logging import get_logger
from prefect.task_runners import ThreadPoolTaskRunner

from flows.partitions import PartitionJob, partition_jobs, run_partition
from flows.refresh import (  # noqa: F401  (re-exported: callers and tests import them from here)
    build_and_publish,
    build_models,
    check_sources_together,
    publish,
    quarantine_markdown,
    refresh_one,
    reproduce_diagnostic,
    run_refresh,
    sources_frame,
    summary_rows,
)
from flows.state import (  # noqa: F401  (re-exported: callers and tests import them from here)
    code_fingerprint,
    heal_state,
    preflight,
    published_from_warehouse,
    read_published,
    single_run,
    stale_sources,
    write_json_lines,
    write_run_state,
)


def _logger():
    return get_run_logger() if FlowRunContext.get() else get_logger("observatoire")


refresh_source_task = task(name="refresh-source", retries=0)(refresh_one)


# The stages after the sources, each a task run of its own (what the flow's graph shows): build the models,
# check sources together, reproduce the 2013 diagnostic, document and publish.
STAGE_TASKS = {
    function: task(name=function.__name__.replace("_", "-"), cache_policy=NO_CACHE)(function)
    for function in (build_models, check_sources_together, reproduce_diagnostic, publish)
}


def _as_task(function, *args):
    return STAGE_TASKS[function](*args)


def build_task(incremental: bool = True) -> dict:
    return build_and_publish(log=_logger().info, stage=_as_task, incremental=incremental)


partition_task = task(name="aggregate-partition", cache_policy=NO_CACHE, retries=1)(run_partition)


def task_runner_for(kind: str = "threads", address: str | None = None):
    """The runner of the per-partition tasks: threads in this process, or a Dask cluster through prefect-dask
    (`address`: an existing scheduler, tcp://host:8786; none: a local cluster of two worker processes)."""
    if kind == "threads":
        return ThreadPoolTaskRunner(max_workers=2)
    if kind != "dask":
        raise ValueError(f"unknown task runner {kind!r}: threads or dask")
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True})


@flow(name="aggregate-partitions", log_prints=True)
def aggregate_partitions(jobs: list[PartitionJob]) -> list[str]:
    """Every partition of the configured detail files, one task run each, on the flow's task runner."""
    futures = [partition_task.submit(job) for job in jobs]
    return [f.result() for f in futures]


def _partitions_first(source_ids: list[str] | None, runner: str, address: str | None) -> None:
    errors: list[str] = []
    jobs = partition_jobs(source_ids, errors=errors)
    for error in errors:
        _logger().warning(f"partitions not prepared (the source's refresh will say why): {error}")
    if jobs:
        _logger().info(f"{len(jobs)} partitions of {sorted({j.source_id for j in jobs})} on the {runner} runner")
        aggregate_partitions.with_options(task_runner=task_runner_for(runner, address))(jobs)


def _refresh_as_tasks(ids: list[str], force: bool, accept: set[str]) -> list[dict]:
    """Inside the flow: one task run per source, in parallel (the thread runner's two workers)."""
    futures = [refresh_source_task.submit(i, force, i in accept) for i in ids]
    return [f.result() for f in futures]


@flow(name="nightly-refresh", task_runner=ThreadPoolTaskRunner(max_workers=2), log_prints=True)
def nightly_refresh(
    source_ids: list[str] | None = None, force: bool = False, accept_shrink: list[str] | None = None,
    task_runner: str = "threads", dask_address: str | None = None,
):
    """The nightly job. Ends Failed (with the reports as artifacts) when a source is quarantined; the summary
    is the state's data either way (`state.result(raise_on_failure=False)`). The partitions of the census detail
    files run first, as task runs of `task_runner` (threads, or dask at `dask_address`)."""
    inside = FlowRunContext.get() is not None  # `nightly_refresh.fn` runs the body without the engine
    if inside:
        _partitions_first(source_ids, task_runner, dask_address)
    summary = run_refresh(
        source_ids, force, accept_shrink, *((_refresh_as_tasks, build_task) if inside else ())
    )
    logger = _logger()
    for o in summary["sources"]:
        (logger.warning if o["status"] == "quarantined" else logger.info)(
            f"{o['source_id']}: {o['status']} ({o['rows']} rows, {o['seconds']:.1f}s) {' | '.join(o['messages'])}"
        )
    logger.info(f"build: {'done' if summary['built'] else 'skipped: ' + summary['skip_reason']}; {summary['seconds']}s")
    if FlowRunContext.get() is None:
        return summary
    from prefect.artifacts import create_markdown_artifact, create_table_artifact
    from prefect.states import Completed, Failed

    create_table_artifact(summary_rows(summary), key="nightly-summary", description="Sources of this run")
    if summary["quarantined"]:
        create_markdown_artifact(
            quarantine_markdown(summary), key="quarantine-report", description="Why sources were quarantined"
        )
        return Failed(
            message=f"quarantined: {', '.join(summary['quarantined'])} (last good data kept in the warehouse)",
            data=summary,
        )
    return Completed(message="all sources refreshed", data=summary)
