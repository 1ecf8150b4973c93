"""Practice keys are public, graded keys are not: no graded item reaches the book.

The graded items are read from the instructors' source notebooks (exercises/source/) with
``ipt_helpers.forms.items.notebook_items``; the practice items from the book's sources. A practice
item never has a graded form's id, never asks a graded question, and no graded feedback or
explanation text appears in any book source, in any practice key, or in any built page.
"""

import html
import re
import sys

import nbformat
import pytest

from bookcheck import BUILT, ROOT
from ipt_helpers.forms.items import FormDefinition, notebook_items

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import practice  # noqa: E402


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower()


def graded_items():
    found = []
    for path in sorted((ROOT / "exercises" / "source").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        found += [item.definition for item in notebook_items(nb).items]
    assert len(found) >= 20, "the graded assignments' items were not found"
    return found


GRADED = graded_items()
BLOCKS = practice.book_blocks(ROOT / "book")


def texts_of(definition) -> dict[str, set[str]]:
    """{"prompt"|"key": texts} of one form: prompts, and feedback and explanations."""
    prompts, keys = set(), set()
    for q in definition.questions:
        prompts.add(_norm(q.prompt))
    for rule in definition.rubric().values():
        keys |= {_norm(t) for t in rule.get("feedback", {}).values()}
        if rule.get("explain"):
            keys.add(_norm(rule["explain"]))
    return {"prompt": prompts, "key": keys}


GRADED_TEXTS = {"prompt": set(), "key": set()}
for _d in GRADED:
    for _k, _v in texts_of(_d).items():
        GRADED_TEXTS[_k] |= _v
#: distinctive pieces of graded key text: the first 60 characters of each long one
GRADED_SNIPPETS = {t[:60] for t in GRADED_TEXTS["key"] if len(t) >= 30}


def practice_definitions():
    for page, block in BLOCKS:
        questions, models = practice.parse_block(block["source"], block["convention"])
        yield page, FormDefinition(block["id"], questions), models


def test_there_are_practice_and_graded_items():
    assert len(BLOCKS) >= 40 and GRADED_SNIPPETS


def test_no_practice_item_has_a_graded_form_id():
    graded = {d.form_id for d in GRADED}
    practice_ids = [b["id"] for _, b in BLOCKS]
    assert len(practice_ids) == len(set(practice_ids)), "a practice id is used twice"
    assert not graded & set(practice_ids)
    assert all(i.startswith("practice-") for i in practice_ids), \
        "practice ids start with practice- so they can never be a graded form's"


@pytest.mark.parametrize("page, definition, models",
                         list(practice_definitions()), ids=[b["id"] for _, b in BLOCKS])
def test_no_practice_item_reuses_a_graded_question_or_key(page, definition, models):
    mine = texts_of(definition)
    mine["key"] |= {_norm(m) for m in models.values()}
    assert not mine["prompt"] & GRADED_TEXTS["prompt"], f"{page}: a graded question's prompt"
    assert not mine["key"] & GRADED_TEXTS["key"], f"{page}: a graded item's feedback or explanation"
    key = _norm(practice.render(definition.form_id, "", definition.questions, models))
    assert [s for s in GRADED_SNIPPETS if s in key] == []


def test_no_graded_key_text_in_the_book_sources():
    hits = []
    for path in sorted((ROOT / "book").rglob("*")):
        if path.suffix not in (".md", ".ipynb") or ".ipynb_checkpoints" in path.parts:
            continue
        text = _norm(path.read_text(encoding="utf-8"))
        hits += [f"{path.relative_to(ROOT)}: {s!r}" for s in GRADED_SNIPPETS if s in text]
    assert hits == []


@pytest.mark.skipif(not BUILT.is_dir(), reason="the book is not built")
def test_no_graded_key_text_or_form_in_the_built_pages():
    graded_ids = {d.form_id for d in GRADED}
    hits = []
    for path in BUILT.rglob("*.html"):
        raw = path.read_text(encoding="utf-8", errors="replace")
        text = _norm(html.unescape(raw).replace("\\n", " "))
        hits += [f"{path.name}: {s!r}" for s in GRADED_SNIPPETS if s in text]
        hits += [f"{path.name}: graded form {f}" for f in re.findall(r'data-practice-form="([^"]+)"', raw)
                 if f in graded_ids]
    assert hits == []
