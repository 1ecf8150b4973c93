"""Students reach nbgrader's Assignments panel with ipt-forms installed (issue 23): a "Course"
menu (opened with a click, its item chosen by keyboard) and the command palette open it, in
JupyterLab and on Notebook 7's file page, although nbgrader's own menu (with the instructor's
tools) stays hidden."""

import pytest

from browser import chromium, jupyter_lab
from conftest import first_stage

PANEL = "#nbgrader-assignment-list"


def wait_app(page):
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands"
                           " && window.jupyterapp.commands.hasCommand('ipt-forms:open-assignments')",
                           timeout=90_000)
    page.evaluate("() => window.jupyterapp.restored")  # the layout and shortcuts are in place


@pytest.mark.parametrize("app", first_stage(["lab", "notebook"], keep=["lab"]))
def test_the_course_menu_opens_the_assignments_panel_by_keyboard(tmp_path, app):
    home = tmp_path / "home"
    home.mkdir()
    with jupyter_lab(home, app=app) as (url, token), chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{url}/{'lab' if app == 'lab' else 'tree'}?token={token}")
        wait_app(page)
        bar = page.locator(".lm-MenuBar-item")
        menu = bar.filter(has_text="Course")
        menu.wait_for(timeout=30_000)
        assert bar.filter(has_text="Nbgrader").count() == 0, \
            "nbgrader's own menu, with the instructor's tools, stays hidden"
        menu.click()
        item = page.locator(".lm-Menu-item", has_text="Assignments (fetch and submit)")
        item.wait_for(timeout=10_000)
        page.keyboard.press("ArrowDown")  # the menu's first item, then Enter: by keyboard
        page.keyboard.press("Enter")
        page.locator(PANEL).wait_for(state="visible", timeout=30_000)
        assert page.locator(PANEL).is_visible()


def test_the_command_palette_finds_the_assignments(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with jupyter_lab(home, app="lab") as (url, token), chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{url}/lab?token={token}")
        wait_app(page)
        page.mouse.click(1100, 300)  # a blank part of the page, as a student would
        page.keyboard.press("Control+Shift+C")
        page.wait_for_function("() => document.activeElement"
                               " && document.activeElement.matches('.lm-CommandPalette-input')")
        page.keyboard.type("fetch and submit")
        page.locator(".lm-CommandPalette-item", has_text="Assignments").first.wait_for()
        page.keyboard.press("Enter")
        page.locator(PANEL).wait_for(state="visible", timeout=30_000)
