"""gradekit.scoring: scores come from comparing records, with the reference's tolerances only."""
import numpy as np

from gradekit import scoring
from gradekit.diagnose import WRONG_VARIANTS, _backprop, likely_mistake
from nbcheck.records import encode


def rec(name, value, kind="value", **extra):
    return {"v": 1, "kind": kind, "name": name, "value": encode(value), "calls": [], **extra}


REF = [rec("A", np.array([1.0, 2.0]), rtol=1e-6, atol=1e-9), rec("ok", True, kind="true")]


def test_matching_records_pass_and_a_wrong_value_fails_with_the_message():
    assert scoring.score_cell(REF, [rec("A", np.array([1.0, 2.0])), rec("ok", True, kind="true")]).ok
    verdict = scoring.score_cell(REF, [rec("A", np.array([1.0, 2.5])), rec("ok", True, kind="true")])
    assert not verdict.ok and verdict.messages == ["A[1] is 2.5, expected 2 (off by 0.5; 1 of 2 entries differ)"]


def test_the_students_tolerances_and_extra_records_are_ignored():
    forged = [rec("A", np.array([1.0, 9.0]), rtol=1e9, atol=1e9), rec("ok", True, kind="true"), rec("extra", 1.0)]
    assert not scoring.score_cell(REF, forged).ok


def test_missing_duplicated_and_false_records_fail():
    assert "not checked" in scoring.score_cell(REF, [], error="NameError: x").messages[0]
    doubled = [rec("A", np.array([1.0, 2.0]))] * 2 + [rec("ok", True, kind="true")]
    assert "reported 2 times" in scoring.score_cell(REF, doubled).messages[0]
    assert not scoring.score_cell(REF, [rec("A", np.array([1.0, 2.0])), rec("ok", False, kind="true")]).ok
    assert not scoring.score_cell([], []).ok                   # a reference that recorded nothing never passes


def test_a_forbidden_library_call_costs_the_test():
    student = [dict(rec("A", np.array([1.0, 2.0])), calls=["mlpkit.activations.sigmoid"]), rec("ok", True, kind="true")]
    verdict = scoring.score_cell(REF, student, forbid=("mlpkit.",))
    assert not verdict.ok and "mlpkit.activations.sigmoid" in verdict.messages[0]
    assert scoring.score_cell(REF, student, forbid=()).ok


def test_accuracy_uses_the_references_truth_not_the_students():
    ref = [rec("acc", np.array([0, 1, 1, 0]), kind="accuracy", truth=encode(np.array([0, 1, 1, 0])), at_least=0.75)]
    honest = [rec("acc", np.array([0, 1, 1, 1]), kind="accuracy", truth=encode(np.array([0, 1, 1, 1])), at_least=0.0)]
    assert scoring.score_cell(ref, honest).ok                   # 3 of 4 right against the reference's labels
    lying = [rec("acc", np.array([1, 1, 1, 1]), kind="accuracy", truth=encode(np.array([1, 1, 1, 1])), at_least=0.0)]
    assert not scoring.score_cell(ref, lying).ok


def test_malformed_student_records_fail_without_raising():
    for junk in ({"name": "A", "kind": "value", "value": {"type": "array", "shape": [10**9], "data": []}},
                 {"name": "A", "kind": "value", "value": "not a dict"}, {"name": "A"}):
        assert not scoring.score_cell(REF[:1], [junk]).ok


def test_the_diagnosis_names_each_classic_mistake_from_the_references_inputs():
    rng = np.random.default_rng(3)
    args = dict(X=rng.normal(size=(5, 3)), Y=rng.random((5, 2)), W1=rng.normal(size=(3, 4)), b1=rng.normal(size=4),
                W2=rng.normal(size=(4, 2)), b2=rng.normal(size=2))
    inputs = encode(args)
    for mistake, description in WRONG_VARIANTS.items():
        wrong = _backprop(**args, mistake=mistake)
        found = [likely_mistake(f"two_layer_sigmoid:{k}", wrong[k], inputs) for k in ("dW2", "db2", "dW1", "db1")]
        assert description in found, mistake
    right = _backprop(**args)
    assert likely_mistake("two_layer_sigmoid:dW1", right["dW1"], inputs) is None
