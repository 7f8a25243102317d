"""Naming a notebook cell by its section, so that a message can say which cells to run again."""

from __future__ import annotations

import nbformat

from cognito_tutorial import notebook_cells


def notebook_with_sections(path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# The title\n\n## Overview\n\n1. Signing in"),
        nbformat.v4.new_code_cell("setup()", id="set-up"),
        nbformat.v4.new_markdown_cell("## 1. Signing in on the server\n\nProse."),
        nbformat.v4.new_code_cell("started = sign_in()", id="sign-in"),
        nbformat.v4.new_markdown_cell("Prose without a heading."),
        nbformat.v4.new_code_cell("answer()", id="answer"),
        nbformat.v4.new_markdown_cell("## 2. Again\n\n### 2.1 A smaller part"),
        nbformat.v4.new_code_cell("again()", id="again"),
    ]
    nbformat.write(notebook, path)
    return path


def test_a_cell_is_named_by_the_nearest_section_heading_above_it(tmp_path):
    path = notebook_with_sections(tmp_path / "lesson.ipynb")
    assert notebook_cells.section_of("sign-in", path) == "1. Signing in on the server"
    assert notebook_cells.section_of("answer", path) == "1. Signing in on the server"
    assert notebook_cells.section_of("again", path) == "2.1 A smaller part"
    assert notebook_cells.section_of("set-up", path) == "Overview"  # the title is no section


def test_unknown_cells_and_unreadable_notebooks_give_none(tmp_path):
    path = notebook_with_sections(tmp_path / "lesson.ipynb")
    assert notebook_cells.section_of("no-such-cell", path) is None
    assert notebook_cells.section_of(None, path) is None
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert notebook_cells.section_of("sign-in", tmp_path / "broken.ipynb") is None
    assert notebook_cells.section_of("sign-in", tmp_path / "missing.ipynb") is None


def test_outside_a_notebook_there_is_no_cell(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert notebook_cells.current_cell_id() is None
    assert notebook_cells.section_of("sign-in") is None  # no notebook to read


def test_jupyterlab_names_the_notebook_in_the_environment(monkeypatch, tmp_path):
    path = notebook_with_sections(tmp_path / "lesson.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    assert notebook_cells.notebook_path() == path
    assert notebook_cells.section_of("again") == "2.1 A smaller part"
