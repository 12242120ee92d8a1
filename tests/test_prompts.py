import shutil

import pytest

from bot.prompts import PROMPTS_DIR, VARIABLES, PromptError, load_prompts, placeholders


def test_every_prompt_file_is_declared_and_every_declared_prompt_has_a_file():
    files = {path.name.removesuffix(".md") for path in PROMPTS_DIR.glob("*.md")}
    assert files == set(VARIABLES)


@pytest.mark.parametrize("name", sorted(VARIABLES))
def test_each_prompt_uses_exactly_its_declared_variables_and_renders(name):
    prompts = load_prompts()
    assert placeholders(prompts.templates[name]) == VARIABLES[name]
    values = {variable: f"<{variable}-value>" for variable in VARIABLES[name]}
    rendered = prompts.render(name, **values)
    for variable in VARIABLES[name]:
        assert f"<{variable}-value>" in rendered
        assert "{" + variable + "}" not in rendered


def test_render_names_missing_and_extra_variables():
    prompts = load_prompts()
    with pytest.raises(PromptError) as raised:
        prompts.render("follow_up.user", question="q", answer="a", score=3)
    assert str(raised.value) == "prompt follow_up.user needs ['follow_up'], got extra ['score']."


def test_version_changes_when_a_prompt_is_edited(tmp_path):
    folder = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, folder)
    before = load_prompts(folder).version
    path = folder / "feedback.user.md"
    path.write_text(path.read_text() + "\nBe brief.\n")
    after = load_prompts(folder).version
    assert before == load_prompts(PROMPTS_DIR).version
    assert before != after and after.startswith("1+")


def test_prompt_with_an_undeclared_placeholder_is_rejected_naming_the_file(tmp_path):
    folder = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, folder)
    (folder / "report.user.md").write_text("Summarise {results} for a {level} candidate named {name}.")
    with pytest.raises(PromptError) as raised:
        load_prompts(folder)
    assert str(raised.value) == f"{folder / 'report.user.md'}: unknown placeholders ['name'], declared but unused []."


def test_missing_prompt_file_is_named(tmp_path):
    folder = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, folder)
    (folder / "follow_up.user.md").unlink()
    with pytest.raises(PromptError) as raised:
        load_prompts(folder)
    assert str(raised.value) == f"{folder / 'follow_up.user.md'}: prompt file is missing or unreadable."
