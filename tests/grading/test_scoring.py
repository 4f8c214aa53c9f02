"""gradekit.scoring: scores come from comparing records, with the reference's tolerances only."""
import re

import numpy as np
from hypothesis import HealthCheck, given, settings

import strategies

from gradekit import scoring
from gradekit.diagnose import WRONG_VARIANTS, _backprop, likely_mistake
from nbcheck.records import encode


def rec(name, value, kind="value", **extra):
    return {"v": 1, "kind": kind, "name": name, "value": encode(value), **extra}


#: every word a verdict on REF may contain: templates and the reference's names, nothing else
ALLOWED_WORDS = {"checked", "test", "stopped", "before", "reported", "times", "expected", "entries", "differ",
                 "from", "values", "should", "number", "array", "numbers", "shape", "what", "recorded",
                 "something", "else", "here", "your", "notebook", "could", "read", "formula", "value",
                 "returned", "None", "forget", "return", "finite", "overflow", "chapter", "transposed", "Rows",
                 "samples", "keepdims", "axis", "same", "another", "sum", "the", "not", "with", "unknown", "check",
                 "true", "False", "True", "Likely", "mistake", "d_in", "d_out", "dA_prev", "prev", "inf", "nan"}

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


def test_a_hidden_check_says_how_many_entries_differ_never_the_expected_values():
    ref = [rec("B", np.array([3.25, -7.5, 11.0]), rtol=1e-6, atol=1e-9, hidden=True)]
    verdict = scoring.score_cell(ref, [rec("B", np.array([3.25, 0.0, 0.0]))])
    assert verdict.messages == ["B: 2 of 3 entries differ from the expected values"]
    scalar = [rec("s", 7.5, hidden=True)]
    assert scoring.score_cell(scalar, [rec("s", 1.0)]).messages == ["s: 1 of 1 entries differ from the expected values"]
    assert "7.5" not in " ".join(scoring.score_cell(scalar, [rec("s", "7.5?")]).messages)


def test_no_text_of_the_students_run_reaches_a_verdict():
    secret = "SECRET-FROM-THE-KERNEL"
    student = [rec("A", secret), {"v": 1, "kind": "true", "name": "ok", "value": encode(False), "message": secret},
               rec(secret, 1.0)]
    messages = scoring.score_cell(REF, student, error=scoring.error_phrase(secret)).messages
    assert messages and secret not in repr(messages), messages
    assert scoring.error_phrase("NotImplementedError").startswith("not attempted yet")
    assert scoring.error_phrase("MyOwnError") == "an exception"
    assert "numpy" in scoring.error_phrase("ModuleNotFoundError", ("numpy", "mlpkit[data]"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.json_like)
def test_score_cell_is_total_and_its_text_is_only_names_and_numbers(junk):
    ref = REF + [rec("C", {"k": np.arange(3.0)}), rec("D", "a string", hidden=True)]
    student = junk if isinstance(junk, list) else [junk]
    student = [dict(r, name="A") if isinstance(r, dict) else r for r in student]
    verdict = scoring.score_cell(ref, student)
    for message in verdict.messages:
        words = set(re.findall(r"[A-Za-z_]{4,}", message))
        assert words <= ALLOWED_WORDS, (message, words - ALLOWED_WORDS)


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
