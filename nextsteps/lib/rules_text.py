"""A written rule's docstring laid out for a page (pure Python): the tracking and alerts rules
are shown to staff in the words the code is documented in."""

import re


def rule_sections(text: str):
    """The rule's docstring as headed sections of paragraphs, numbered items and examples."""
    sections, current = [], {"heading": "", "blocks": []}
    lines = text.strip("\n").splitlines()
    paragraphs, buffer = [], []
    for i, line in enumerate(lines):
        if set(line.strip()) == {"-"} and i:
            continue
        if i + 1 < len(lines) and lines[i + 1].strip() and set(lines[i + 1].strip()) == {"-"}:
            if buffer:
                paragraphs.append(buffer)
                buffer = []
            paragraphs.append(["#" + line.strip()])
            continue
        if not line.strip():
            if buffer:
                paragraphs.append(buffer)
                buffer = []
            continue
        buffer.append(line)
    if buffer:
        paragraphs.append(buffer)
    for para in paragraphs:
        if para[0].startswith("#"):
            sections.append(current)
            current = {"heading": para[0][1:], "blocks": []}
        elif para[0].startswith("    "):
            current["blocks"].append(("example", "\n".join(line[4:] for line in para)))
        elif re.match(r"\d+\. ", para[0]):
            items, item = [], []
            for line in para:
                if re.match(r"\d+\. ", line):
                    if item:
                        items.append(" ".join(item))
                    item = [line.split(". ", 1)[1].strip()]
                else:
                    item.append(line.strip())
            items.append(" ".join(item))
            current["blocks"].append(("list", items))
        else:
            current["blocks"].append(("text", " ".join(line.strip() for line in para)))
    sections.append(current)
    return [s for s in sections if s["blocks"]]
