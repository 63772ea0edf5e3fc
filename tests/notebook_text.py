"""The text an executed notebook shows: printed streams and the plain-text form of displayed tables and sentences."""

from __future__ import annotations


def output_text(notebook) -> str:
    """Every stream's text and every displayed object's ``text/plain``, in order (tables, sentences, headlines)."""
    parts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if "text" in output:
                parts.append(output["text"])
            elif "text/plain" in output.get("data", {}):
                parts.append(output["data"]["text/plain"])
    return "\n".join(parts)
