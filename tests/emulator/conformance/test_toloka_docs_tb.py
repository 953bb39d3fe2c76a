"""Template Builder projects written as toloka-kit's docs and examples write them, only URL and token differ:
a side-by-side comparison, and an object-detection (bounding box) project whose submitted answers go to a
verification pool. (Fed by polling once the pool closed: a ``toloka.streaming`` pipeline needs the one-clock
work of the emulator's simulation, see docs/emulator.md.)"""
from __future__ import annotations

import datetime

import toloka.client as toloka
from toloka.client.project.template_builder import (ButtonRadioGroupFieldV1, GroupFieldOption, ImageAnnotationFieldV1,
                                                    ImageViewV1, InputData, OutputData, SideBySideLayoutV1,
                                                    TemplateBuilder, TextViewV1)



def _pool(client, project_id, name, real=3):
    pool = toloka.Pool(project_id=project_id, private_name=name, may_contain_adult_content=False,
                       will_expire=datetime.datetime.utcnow() + datetime.timedelta(days=365),
                       reward_per_assignment=0.01, assignment_max_duration_seconds=60 * 20,
                       defaults=toloka.Pool.Defaults(default_overlap_for_new_task_suites=3, default_overlap_for_new_tasks=3))
    pool.set_mixer_config(real_tasks_count=real)
    pool.filter = toloka.filter.Languages.in_("EN")
    return client.create_pool(pool)


def _wait_closed(client, pool_id, seconds=60.0):
    import time

    deadline = time.monotonic() + seconds
    while not client.get_pool(pool_id).is_closed():
        assert time.monotonic() < deadline, "the pool never closed"
        time.sleep(0.05)


def test_side_by_side_answers_left_or_right(toloka_emulator):
    _, client = toloka_emulator
    view = TemplateBuilder(view=SideBySideLayoutV1(
        items=[ImageViewV1(InputData("image_left")), ImageViewV1(InputData("image_right"))],
        controls=ButtonRadioGroupFieldV1(OutputData("result"), [GroupFieldOption("left", "Left"),
                                                                GroupFieldOption("right", "Right")])))
    project = client.create_project(toloka.Project(
        public_name="Which is better?", public_description="Compare two pictures",
        task_spec=toloka.project.task_spec.TaskSpec(
            input_spec={"image_left": toloka.project.field_spec.UrlSpec(), "image_right": toloka.project.field_spec.UrlSpec()},
            output_spec={"result": toloka.project.field_spec.StringSpec(allowed_values=["left", "right"])},
            view_spec=toloka.project.TemplateBuilderViewSpec(view=view.view))))
    pool = _pool(client, project.id, "sbs")
    client.create_tasks([toloka.Task(pool_id=pool.id, input_values={"image_left": f"https://example.org/a{i}.jpg",
                                                                   "image_right": f"https://example.org/b{i}.jpg"})
                         for i in range(12)], allow_defaults=True, open_pool=True)
    _wait_closed(client, pool.id)
    df = client.get_assignments_df(pool.id)
    assert len(df) == 12 * 3 and set(df["OUTPUT:result"]) <= {"left", "right"}


def test_bounding_boxes_are_checked_in_a_verification_pool(toloka_emulator):
    _, client = toloka_emulator
    annotate = TemplateBuilder(view=ImageAnnotationFieldV1(
        OutputData("result"), InputData("image"), labels=[ImageAnnotationFieldV1.Label(value="car", label="Car")]))
    boxes = client.create_project(toloka.Project(
        public_name="Outline every car", public_description="Draw a box around each car",
        task_spec=toloka.project.task_spec.TaskSpec(
            input_spec={"image": toloka.project.field_spec.UrlSpec()},
            output_spec={"result": toloka.project.field_spec.JsonSpec()},
            view_spec=toloka.project.TemplateBuilderViewSpec(view=annotate.view))))
    check = client.create_project(toloka.Project(
        public_name="Are the cars outlined?", public_description="Check the boxes",
        task_spec=toloka.project.task_spec.TaskSpec(
            input_spec={"image": toloka.project.field_spec.UrlSpec(), "selection": toloka.project.field_spec.JsonSpec(),
                        "assignment_id": toloka.project.field_spec.StringSpec()},
            output_spec={"result": toloka.project.field_spec.StringSpec(allowed_values=["OK", "BAD"])},
            view_spec=toloka.project.TemplateBuilderViewSpec(view=TextViewV1(InputData("assignment_id"))))))
    boxes_pool = _pool(client, boxes.id, "boxes", real=1)
    check_pool = _pool(client, check.id, "verification", real=3)
    client.create_tasks([toloka.Task(pool_id=boxes_pool.id, input_values={"image": f"https://example.org/car{i}.jpg"},
                                     overlap=1) for i in range(10)], open_pool=True)
    _wait_closed(client, boxes_pool.id)
    submitted = list(client.get_assignments(pool_id=boxes_pool.id, status=["SUBMITTED", "ACCEPTED"]))
    assert len(submitted) == 10
    for a in submitted:
        for solution in a.solutions:
            shapes = solution.output_values["result"]
            assert isinstance(shapes, list) and all(s["shape"] in ("rectangle", "polygon", "point") for s in shapes)
            for s in shapes:
                if s["shape"] == "rectangle":
                    assert 0 <= s["left"] <= 1 and 0 <= s["top"] <= 1 and s["width"] > 0 and s["height"] > 0
    client.create_tasks([toloka.Task(pool_id=check_pool.id, overlap=3, unavailable_for=[a.user_id],
                                     input_values={"image": t.input_values["image"], "selection": s.output_values["result"],
                                                   "assignment_id": a.id})
                         for a in submitted for t, s in zip(a.tasks, a.solutions)], open_pool=True)
    _wait_closed(client, check_pool.id)
    verdicts = client.get_assignments_df(check_pool.id)
    assert len(verdicts) == 10 * 3 and set(verdicts["OUTPUT:result"]) <= {"OK", "BAD"}
