"""The Snakemake command lines the documentation shows work as written.

Snakemake's ``--configfile`` takes one or more files: every bare word after it, up to the next
option, is read as a config file. A target written there (``snakemake --configfile my.yaml
results/summary.csv``) is not built but fails as a config file, so every documented command
puts its targets before ``--configfile``. The commands are the code of README.md,
config/README.md and docs/*.md: indented and fenced blocks, and inline code spans.
"""

import re
import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = [REPO / "README.md", REPO / "config" / "README.md", *sorted(REPO.glob("docs/*.md"))]
#: What a config file's name looks like in the docs: a YAML or JSON file, or an ellipsis.
CONFIG_NAME = re.compile(r"(\.ya?ml|\.json|…)$")


def code_of(text):
    """The code of a Markdown text: lines of indented and fenced blocks, and inline spans."""
    code, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced or line.startswith("    "):
            code.append(line.strip())
        else:
            code.extend(re.findall(r"`([^`]+)`", line))
    return code


def snakemake_commands(code_lines):
    """The words of each Snakemake command in ``code_lines``, from the word after
    ``snakemake`` to the end of the command (a comment, ``;``, ``&&`` or a pipe ends it)."""
    commands = []
    for line in code_lines:
        try:
            words = shlex.split(line, comments=True)
        except ValueError:  # an unbalanced quote: prose in a span, not a command
            continue
        for index, word in enumerate(words):
            if word == "snakemake" or word.endswith("/snakemake"):
                rest = []
                for following in words[index + 1 :]:
                    if following in (";", "&&", "||", "|"):
                        break
                    rest.append(following)
                commands.append(rest)
    return commands


def swallowed_by_configfile(words):
    """The words after ``--configfile`` that Snakemake reads as config files but that do not
    name one (targets written after it)."""
    swallowed, reading = [], False
    for word in words:
        if word.startswith("-"):
            reading = word == "--configfile" or word.startswith("--configfile=")
            if "=" in word:
                reading = False
            continue
        if reading and not CONFIG_NAME.search(word):
            swallowed.append(word)
    return swallowed


def test_the_check_finds_a_target_written_after_configfile():
    code = code_of(
        "Run\n\n    snakemake --cores 2 --configfile my.yaml results/summary.csv\n\n"
        "or `snakemake --configfile a.yaml b.yaml --directory out/ reports/report.html`.\n"
        "```\nsnakemake results/summary.csv --configfile my.yaml -n\n```\n"
    )
    found = [swallowed_by_configfile(words) for words in snakemake_commands(code)]
    assert found == [["results/summary.csv"], [], []]


def test_the_docs_hold_commands_with_a_config_file_and_with_a_target():
    commands = [
        words
        for document in DOCUMENTS
        for words in snakemake_commands(code_of(document.read_text(encoding="utf-8")))
    ]
    with_config = [words for words in commands if "--configfile" in words]
    assert len(with_config) >= 3
    # the working order shown at least once: a target, then --configfile
    assert any(
        words.index("--configfile") > index
        for words in with_config
        for index, word in enumerate(words)
        if "/" in word and not word.startswith("-") and not CONFIG_NAME.search(word)
    )


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO)))
def test_every_documented_command_puts_its_targets_before_configfile(document):
    commands = snakemake_commands(code_of(document.read_text(encoding="utf-8")))
    wrong = [" ".join(words) for words in commands if swallowed_by_configfile(words)]
    assert wrong == [], f"{document.name}: targets after --configfile: {wrong}"
