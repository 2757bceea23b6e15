"""What the page says about the families: slider labels, the Edit tab's note on what a photo becomes, the About
table. The registry knows each family's state; the words for people are the app's."""

from __future__ import annotations

from tedigan_demo.registry import FamilyRegistry
from tedigan_demo.zoo import FAMILIES, REAL_FACE_FAMILY

__all__ = ["group_label", "scope_note", "about_table"]


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
