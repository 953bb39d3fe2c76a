"""Toloka's TSV results export (``assignments.tsv``) through toloka-kit's ``get_assignments_df``: the same
answers as the paginated ``get_assignments``, with Toloka's columns and filters."""
from __future__ import annotations

import logging

import pytest
import toloka.client as tc

from tests.emulator.conftest import (answers_of, crowd, emulator, make_pool, make_project, make_world, population,
                                     run_until_closed, tasks_for)
from tests.emulator.test_rules import CONTROL_BAN

# permanent: at time_scale 1e7 a one-day ban has expired on the emulator's clock before the export is asked for
PERMANENT_BAN = (CONTROL_BAN[0], CONTROL_BAN[1], tc.actions.RestrictionV2(scope="PROJECT", duration_unit="PERMANENT",
                                                                        private_comment="control"))

ALL = ["ACTIVE", "SUBMITTED", "APPROVED", "REJECTED", "SKIPPED", "EXPIRED"]
FIELDS = ["ASSIGNMENT:assignment_id", "ASSIGNMENT:task_id", "ASSIGNMENT:worker_id", "ASSIGNMENT:status",
          "ASSIGNMENT:started", "ASSIGNMENT:submitted", "ASSIGNMENT:reward"]


@pytest.fixture(scope="module")
def finished_pool(tmp_path_factory):
    """A pool with control tasks and a control-task ban, run to completion; yields (client, pool, assignments)."""
    logging.getLogger("toloka").setLevel(logging.ERROR)   # get_assignments_df logs "Experimental method"
    world = make_world(90, ambiguous_every=0)
    pop = population({"good": {"share": 0.7, "accuracy": 1.0, "skip_rate": 0.1}, "bad": {"share": 0.3, "accuracy": 0.2}})
    with emulator(crowd(pop), world, tmp_path_factory.mktemp("export")) as (handle, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=2, real=4, golden=1, rules=[PERMANENT_BAN])
        client.create_tasks(tasks_for(pool.id, world.iloc[:80]) + tasks_for(pool.id, world.iloc[80:], golden=True, infinite=True),
                            allow_defaults=True)
        run_until_closed(client, pool.id)
        yield client, pool, answers_of(client, pool.id)


def test_the_tsv_export_carries_every_answer_of_the_paginated_download(finished_pool):
    client, pool, assignments = finished_pool
    df = client.get_assignments_df(pool.id, tc.assignment.GetAssignmentsTsvParameters(status=ALL, field=FIELDS))
    assert {"INPUT:image", "INPUT:item_id", "OUTPUT:food_type", "OUTPUT:appetizing", "GOLDEN:food_type",
            "HINT:text"} <= set(df.columns)
    assert len(df) == sum(len(a.tasks) for a in assignments)
    expected = {}
    for a in assignments:
        status = "APPROVED" if a.status.value == "ACCEPTED" else a.status.value
        for k, task in enumerate(a.tasks):
            out = a.solutions[k].output_values if a.solutions else {}
            expected[(a.id, task.id)] = (a.user_id, status, task.input_values["item_id"], out.get("food_type"),
                                         (task.known_solutions or [None])[0] is not None)
    got = {}
    for values in df.to_dict("records"):
        label = values["OUTPUT:food_type"]
        got[(values["ASSIGNMENT:assignment_id"], f"{int(values['ASSIGNMENT:task_id']):012d}")] = (
            values["ASSIGNMENT:worker_id"], values["ASSIGNMENT:status"], values["INPUT:item_id"],
            None if label != label else label, values["GOLDEN:food_type"] == values["GOLDEN:food_type"])
    assert got == expected
    skipped = df[df["ASSIGNMENT:status"] == "SKIPPED"]
    assert len(skipped) and skipped["OUTPUT:food_type"].isna().all(), "skipped pages carry no answers"
    assert (df.loc[df["GOLDEN:food_type"].notna(), "HINT:text"] == "look again").all()


def test_the_tsv_export_filters_like_toloka(finished_pool):
    client, pool, assignments = finished_pool
    approved = client.get_assignments_df(pool.id, tc.assignment.GetAssignmentsTsvParameters())   # default: APPROVED only
    assert set(approved["ASSIGNMENT:status"]) == {"APPROVED"}
    assert list(approved.columns[-5:]) == ["ASSIGNMENT:link", "ASSIGNMENT:assignment_id", "ASSIGNMENT:worker_id",
                                           "ASSIGNMENT:status", "ASSIGNMENT:started"]
    assert approved["ASSIGNMENT:assignment_id"].nunique() == sum(a.status.value == "ACCEPTED" for a in assignments)
    banned = {r.user_id for r in client.get_user_restrictions(pool_id=None)}
    assert banned & set(approved["ASSIGNMENT:worker_id"]), "no banned worker has approved work: nothing to exclude"
    kept = client.get_assignments_df(pool.id, tc.assignment.GetAssignmentsTsvParameters(exclude_banned=True))
    assert not set(kept["ASSIGNMENT:worker_id"]) & banned
    assert set(kept["ASSIGNMENT:worker_id"]) == set(approved["ASSIGNMENT:worker_id"]) - banned


def test_the_tsv_export_of_an_unknown_pool_is_a_toloka_error(finished_pool):
    client, _, _ = finished_pool
    with pytest.raises(tc.exceptions.DoesNotExistApiError):
        client.get_assignments_df("999999", tc.assignment.GetAssignmentsTsvParameters())
