from ipt_helpers.forms import model


def test_four_areas_convention_lists_the_weissman_markowitz_areas():
    keys = [key for _, key in model.options("problem_area")]
    assert keys == ["grief", "role_dispute", "role_transition", "interpersonal_deficits"]


def test_three_areas_convention_has_no_deficits():
    keys = [key for _, key in model.options("problem_area", convention="three_areas")]
    assert keys == ["grief", "role_dispute", "role_transition"]


def test_sensitivity_is_mapped_to_deficits():
    assert model.CONVENTIONS["four_areas"].aliases["interpersonal_sensitivity"] == "interpersonal_deficits"
    assert model.term("interpersonal_sensitivity").label == "Interpersonal sensitivity"


def test_dispute_stages_in_order():
    assert [t.key for t in model.DISPUTE_STAGES] == ["renegotiation", "impasse", "dissolution"]


def test_phases_carry_session_ranges_and_tasks():
    initial = model.term("initial")
    assert "1-3" in initial.sessions and "1-4" in initial.sessions
    assert any("inventory" in task for task in initial.tasks)
    assert [p.key for p in model.PHASES[:3]] == ["initial", "middle", "termination"]


def test_non_ipt_techniques_are_marked_and_can_be_left_out():
    ipt = [key for _, key in model.options("technique", ipt_only=True)]
    everything = [key for _, key in model.options("technique")]
    assert "communication_analysis" in ipt
    assert "cognitive_restructuring" in everything and "cognitive_restructuring" not in ipt
    assert not model.term("formal_homework").is_ipt


def test_every_term_has_a_label_and_definition_and_unique_key():
    glossary = model.glossary()
    keys = [t.key for t in glossary]
    assert len(keys) == len(set(keys))
    for t in glossary:
        assert t.label and t.definition.endswith(".")


def test_label_falls_back_to_the_key_for_names():
    assert model.label("grief") == "Grief"
    assert model.label("Aunt Rosa") == "Aunt Rosa"
