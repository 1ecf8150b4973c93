"""Second-marking agreement figures, checked against values computed by hand."""

import pytest

from ipt_helpers.course.agreement import agreement, weighted_kappa


def test_weighted_kappa_by_hand():
    # marks 0, 1, 2 (k = 3): weights 1, 0.5, 0 for 0, 1, 2 categories apart
    # pairs (0,0) (1,2) (2,2) (2,1): observed (1 + .5 + 1 + .5) / 4 = .75
    # marginals both (1/4, 1/4, 1/2): chance .09375 + .15625 + .3125 = .5625
    # kappa (.75 - .5625) / (1 - .5625) = 3/7
    pairs = [(0, 0), (1, 2), (2, 2), (2, 1)]
    assert weighted_kappa(pairs) == pytest.approx(3 / 7)
    found = agreement(pairs)
    assert found.n == 4 and found.exact == 0.5 and found.within_one == 1.0 and found.apart == []


def test_marks_more_than_a_point_apart_are_listed_for_resolution():
    found = agreement([(4, 4), (0, 3.5), (2.5, 2), (1, 2.5)])
    assert found.apart == [(1, 0, 3.5), (3, 1, 2.5)]
    assert found.exact == 0.25 and found.within_one == 0.5


def test_perfect_and_undefined_agreement():
    assert weighted_kappa([(0, 0), (2, 2), (4, 4)]) == pytest.approx(1.0)
    assert weighted_kappa([(3, 3), (3, 3)]) is None, "one mark for all: kappa is undefined"
    assert agreement([]).weighted_kappa is None


def test_the_second_marking_sample_is_blind_stable_and_about_a_fifth():
    from ipt_helpers.course.marking.questions import Answer, second_sample
    answers = [Answer(f"t{i}", "text", None, "", f"row{i}", f"c{i}") for i in range(12)]
    sample = second_sample(answers)
    assert len(sample) == 3  # ceil(20 % of 12)
    assert [a.grade_row for a in sample] == [a.grade_row for a in second_sample(answers[::-1])], \
        "the same answers whatever the order (the marker's shuffle)"
    assert len(second_sample(answers[:2])) == 1 and second_sample([]) == []
