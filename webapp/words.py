"""What the page says: each sample's match in words, what a family could not read, the notes under an edit, slider
labels, the Edit tab's note on what a photo becomes, the examples, the label map's legend, the About table and each
family card's summary. ``Demo`` and the registry give plain results and states; the words for people are the app's.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from tedigan_demo.loading import REPO_ROOT
from tedigan_demo.pipeline import GROUP_NAMES
from tedigan_demo.pipeline.results import Description
from tedigan_demo.registry import FamilyRegistry
from tedigan_demo.synthfaces import LABEL_CLASSES, LABEL_PALETTE
from tedigan_demo.zoo import FAMILIES, REAL_FACE_FAMILY

__all__ = ["group_label", "scope_note", "about_table", "about_summary", "about_markdown", "EDIT_EXAMPLES",
           "edit_examples", "edit_note", "reading_markdown", "READING_HELP", "TEXT_EXAMPLES", "match_words",
           "not_understood_note", "strip_captions", "direction_note", "fidelity_note", "label_legend"]

READING_HELP = "what the family reads in the text appears here as you type (at most {limit} characters)"
TEXT_EXAMPLES = [
    "She has long blond hair, wears earrings and is smiling.",
    "He has a full beard, short black hair and wears glasses.",
    "A person with red bob-cut hair and freckles in front of a pink background.",
    "She wears sunglasses and red lipstick and has long brown hair.",
    "This man is bald, has dark skin and is looking to the left.",
]


def match_words(d: Description) -> str:
    """A sample's caption: its redescription and how well the text matches it, in words: the text's similarity to
    the sample ranked among descriptions of other, random faces (R-precision's test; rank 1 = no other description
    fits the sample better)."""
    others = d.num_candidates - 1
    return (f"Reads as: {d.caption} Your text fits this face better than {others - d.rank + 1} of {others} "
            f"descriptions of other faces (rank {d.rank} of {d.num_candidates}; similarity {d.score:.2f}).")


def not_understood_note(words: list[str]) -> str:
    """The warning over samples from a text the family followed not at all (``Demo.not_understood``'s words)."""
    quoted = ", ".join(f'"{u}"' for u in words)
    return (f"not understood: {quoted}. This family knows hair, eyes, glasses, beard, smile, skin, freckles, "
            "lipstick, earrings, pose and background; the faces follow the text only loosely")


def strip_captions(strip: dict[str, Image.Image]) -> list[tuple[Image.Image, str]]:
    """An edit's per-group views (``{group: image}``) as the gallery shows them, captioned."""
    return [(image, f"{group} only") for group, image in strip.items()]


def direction_note(direction: dict) -> str:
    """Under a global-direction edit: how many style channels moved, from what to what, how strongly."""
    return (f"{direction['channels']} style channels moved ('{direction['neutral']}' -> "
            f"'{direction['target']}', strength {direction['alpha']:g})")


def fidelity_note(psnr: float, photo: str | None = None, family: str = "") -> str:
    """Under the reconstruction: how close it is to the aligned photo, or, where a photo of a person became a face
    of the family's domain, what that face shows (``photo``: its caption)."""
    if photo:
        return (f"Your photo as a {family} face: {photo[0].lower() + photo[1:]} (read from the photo's landmarks and "
                "colours; edit it like any other face)")
    return f"Reconstruction PSNR {psnr:.2f} dB after optimisation"


def label_legend() -> str:
    """The label map's colours, each with its class name, over a line on the other label formats taken (HTML)."""
    cells = " ".join(f'<span style="display:inline-block;margin:2px 6px"><span style="display:inline-block;'
                     f'width:14px;height:14px;background:rgb{tuple(rgb)};border:1px solid #888;vertical-align:middle">'
                     f'</span> {name}</span>' for name, rgb in zip(LABEL_CLASSES, LABEL_PALETTE))
    note = "CelebAMask-HQ colour maps and single-channel class-index images work too."
    return f"<div>{cells}</div><small>{note}</small>"


def reading_markdown(reading: dict) -> str:
    """A ``Demo.read_text`` answer in a line of Markdown: each value read ("**red (hair color)**"; a ruled-out one
    "**not** ~~beard~~"), then the words not understood, quoted."""
    parts = []
    for v in reading["values"]:
        name = v["attribute"].replace("_", " ")
        label = v["value"] if v["value"] == v["attribute"] else f"{v['value']} ({name})"
        parts.append(f"**not** ~~{label}~~" if v["negated"] else f"**{label}**")
    line = "Reads: " + ", ".join(parts) if parts else "Reads nothing this family knows"
    if reading["unknown"]:
        line += " · not understood: " + ", ".join(f"“{u}”" for u in reading["unknown"])
    if reading.get("reader") == "table":
        line += " · (the learned reader did not load: read by keywords)"
    return line


def group_label(families: FamilyRegistry, group: str, family: str | None = None) -> str:
    """A slider's label: the group and the attributes that family's table says it carries."""
    names = [a.replace("_", " ") for a in families.demo_for(family).pipe.layers.carried_by(group)]
    return f"{group} ({', '.join(names)})" if names else group


def scope_note(families: FamilyRegistry, family: str | None = None) -> str:
    """What the Edit tab does with a photo on this family, said before anyone waits (Markdown)."""
    family = family or families.default
    pipe = families.demo_for(family).pipe
    if not pipe.synthetic_domain:
        if pipe.directions is not None and pipe.device.type == "cpu":
            return ("Edits here are instant StyleCLIP global directions on the encoder's codes (no optimisation "
                    "on this CPU); set *Refine* above 0 for TediGAN's CLIP-guided optimisation.")
        if pipe.directions_problem:
            return f"Global directions are off ({pipe.directions_problem}): edits optimise."
        return ""
    real = [name for name, st in families.states.items()
            if name in FAMILIES and FAMILIES[name].guidance == "clip" and st.state != "unavailable"]
    offer = (f" For real photos choose **{max(real, key=lambda n: n == REAL_FACE_FAMILY)}** in the model family "
             "selector." if real else " No real-face family is available here (About says why).")
    if pipe.settings.inversion_route == "parameters":
        return (f"**{family}** draws only its own cartoon faces: a photo of a person becomes *your cartoon*, the face "
                "of this family that shows what the photo shows (pose, hair, skin, eyes, smile, background...)."
                + offer)
    return f"**{family}** knows only its own cartoon faces: a real photo comes back as the nearest cartoon." + offer


STATE_WORDS = {"here": "on this machine", "download": "downloads when chosen", "unavailable": "unavailable"}


def about_table(families: FamilyRegistry) -> str:
    """Every zoo family with its resolution, what it is and its state here (Markdown table)."""
    rows = []
    for name, fam in FAMILIES.items():
        state = families.states[name]
        status = "loaded (default)" if name == families.default else (
            f"{STATE_WORDS[state.state]}{': ' + state.detail if state.detail else ''}")
        rows.append(f"| `{name}` | {fam.resolution} px | {fam.description} | {status} |")
    return "| family | resolution | what | status |\n|---|---|---|---|\n" + "\n".join(rows)


def family_card(name: str) -> Path | None:
    """A family's model card: ``README.md`` in its folder (a family given as a folder, or shipped under
    ``checkpoints/``), or None where it has none."""
    folder = Path(name) if Path(name).is_dir() else REPO_ROOT / "checkpoints" / name
    card = folder / "README.md"
    return card if card.is_file() else None


def card_summary(card: Path) -> tuple[str, str]:
    """A model card's title (its first heading) and its "Summary" section (its first paragraph where it has none)."""
    text = card.read_text(encoding="utf-8")
    lines = text.splitlines()
    title = next((ln.lstrip("# ").strip() for ln in lines if ln.startswith("# ")), card.parent.name)
    start = next((i for i, ln in enumerate(lines) if ln.strip() == "## Summary"), None)
    if start is None:
        paragraphs = [p.strip() for p in text.split("\n\n") if p.strip() and not p.startswith("#")]
        return title, paragraphs[0] if paragraphs else ""
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return title, "\n".join(lines[start + 1 : end]).strip()


def card_link(card: Path) -> str:
    """Where to read the whole card: on the Space's repository where the app runs on a Space (``$SPACE_ID``), else
    its path in the repository."""
    inside = card.resolve().is_relative_to(REPO_ROOT.resolve())
    path = card.resolve().relative_to(REPO_ROOT.resolve()).as_posix() if inside else str(card)
    space = os.environ.get("SPACE_ID")
    if space and inside:
        return f"The full model card: [{path}](https://huggingface.co/spaces/{space}/blob/main/{path})."
    return f"The full model card: `{path}`" + (" in the repository." if inside else ".")


def about_summary(families: FamilyRegistry) -> str:
    """The About tab's words on the families with a model card (the default first): each card's summary (what the
    family is, what it can and cannot do, its key figures) and a link to the whole card (Markdown)."""
    cards = {}  # one entry per card, the default family's first
    for name in [families.default, *FAMILIES]:
        card = family_card(name)
        if card is not None:
            cards.setdefault(card.resolve(), card)
    parts = []
    for card in cards.values():
        title, summary = card_summary(card)
        parts.append(f"## {title}\n\n{summary}\n\n{card_link(card)}")
    return "\n\n".join(parts)


def about_markdown(families: FamilyRegistry) -> str:
    """The About tab: every family's state here, then each family card's summary and a link to the whole card."""
    return f"## Model families\n\n{about_table(families)}\n\n{about_summary(families)}"


# The Edit tab's examples, (file in examples/, edit description), keyed by ``pipe.synthetic_domain``: the procedural
# cartoons (True) or real photos (False). Each text asks for what its face does not show, so the first edit shows a
# change (tests/test_app.py reads each with the family's classifier before and after); the first row's text
# is the box's default.
EDIT_EXAMPLES = {
    True: (("synthface_24.png", "make her hair long"),  # short blond hair: the middle group
           ("synthface_58.png", "give her blond hair"),  # long grey hair: the fine group
           ("synthface_11.png", "take off his sunglasses")),  # sunglasses: the coarse group
    False: (("astronaut.jpg", "give her blond hair"),  # short dark hair, smiling, no glasses
            ("astronaut.jpg", "give her eyeglasses")),
}


def edit_examples(synthetic: bool) -> list[list[str]]:
    """The Edit tab's examples of a family's domain as ``gr.Examples`` rows: [photo path, description]."""
    return [[str(REPO_ROOT / "examples" / name), text] for name, text in EDIT_EXAMPLES[synthetic]]


def _and(words: list[str]) -> str:
    return " and ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " and " + words[-1]


def edit_note(families: FamilyRegistry, family: str | None, text: str) -> str:
    """Under the group sliders after an edit (Markdown): the groups that carry what ``text`` names, and what the
    other sliders do to this edit, so that a slider that changes nothing says why."""
    demo = families.demo_for(family)
    carried = demo.carrying_groups(text)
    if not carried:
        return "The description names nothing this family places in a layer group: each slider mixes its code in."
    by_groups: dict[tuple[str, ...], list[str]] = {}
    for name, groups in carried.items():
        by_groups.setdefault(groups, []).append(name.replace("_", " "))
    places = "; ".join(f"the {_and(list(groups))} group{'s carry' if len(groups) > 1 else ' carries'} the "
                       f"{_and(names)}" for groups, names in by_groups.items())
    others = [g for g in GROUP_NAMES if not any(g in groups for groups in carried.values())]
    if not others:
        return f"{places[0].upper()}{places[1:]}: every group slider changes this edit."
    sliders, many = f"the {_and(others)} slider{'s' if len(others) > 1 else ''}", len(others) > 1
    if demo.edits_stay_in_their_groups():
        tail = f"{sliders} barely change{'' if many else 's'} this edit"
    else:
        tail = (f"{sliders} mix{'' if many else 'es'} the text's code into {'their' if many else 'its'} layers too, "
                "which changes more than that")
    return f"{places[0].upper()}{places[1:]}; {tail}."
