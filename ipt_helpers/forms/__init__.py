"""The kernel side: what a student's kernel, and a grading kernel, imports.

``model`` (the IPT domain terms) -> ``questions`` (question types and their widgets) ->
``scoring`` (the rule table) -> ``cellsource`` (the one walker over a form cell's Python) ->
``recording`` (the form runtime: records answers into the cell, the hand-in check, ``score``)
-> ``items`` (an item's definition: key, hidden test, key-free student cell, description).
Nothing here imports the instructor side (``ipt_helpers.course``) or nbgrader.
"""
