"""Text -> image on descriptions written the way people write them (keyword lists, slang, synonyms, negations),
none of them produced by the caption grammar: how often the named values appear, and how often a negated one does
not. A section of ``python -m bench.eval_tedigan`` ("people"); the prompts were written once, by hand, and are not
tuned against.
"""

from __future__ import annotations

import numpy as np
import torch

from tedigan_demo.synthfaces import ATTRIBUTES, attribute, observable_mask

NAMES = [a.name for a in ATTRIBUTES]

# (prompt, the values it asks for)
PEOPLE = [
    ("ginger girl with freckles", {"hair_color": "red", "freckles": "freckles"}),
    ("blonde woman, blue eyes, big smile", {"hair_color": "blond", "eye_color": "blue", "smile": "smiling"}),
    ("guy with a beard and shades", {"beard": "beard", "glasses": "sunglasses"}),
    ("bald, glasses, serious", {"hair_style": "bald", "glasses": "glasses", "smile": "neutral"}),
    ("a smiling lady with a bob and red lipstick", {"smile": "smiling", "hair_style": "bob", "lipstick": "red"}),
    ("long black hair, green background", {"hair_style": "long", "hair_color": "black", "background": "green"}),
    ("old man with grey hair and spectacles", {"hair_color": "gray", "glasses": "glasses"}),
    ("dark-skinned woman with earrings, pink backdrop", {"skin_tone": "dark", "earrings": "earrings",
                                                         "background": "pink"}),
    ("brunette with shoulder-length hair, eyes closed", {"hair_color": "brown", "hair_style": "long",
                                                         "eyes": "closed"}),
    ("someone looking to the right with an open mouth", {"pose": "right", "mouth": "open"}),
    ("Portrait of a man with a round face and a goatee", {"face_shape": "round", "beard": "beard"}),
    ("pale, freckled redhead", {"skin_tone": "light", "freckles": "freckles", "hair_color": "red"}),
    ("a woman with short brown hair in front of a blue wall", {"hair_style": "short", "hair_color": "brown",
                                                               "background": "blue"}),
    ("tanned guy, buzz cut, grinning", {"skin_tone": "tan", "hair_style": "short", "smile": "smiling"}),
    ("green eyes and blond hair, gray background", {"eye_color": "green", "hair_color": "blond",
                                                    "background": "gray"}),
    ("she wears sunglasses and has long red hair", {"glasses": "sunglasses", "hair_style": "long",
                                                    "hair_color": "red"}),
]
# (prompt, attribute, values it must not show)
NEGATIONS = [
    ("A woman with long blond hair and no glasses.", "glasses", {"glasses", "sunglasses"}),
    ("He has short black hair and no beard.", "beard", {"beard"}),
    ("without a beard", "beard", {"beard"}),
    ("She is not smiling.", "smile", {"smiling"}),
    ("a man who doesn't wear glasses", "glasses", {"glasses", "sunglasses"}),
    ("no earrings, red hair", "earrings", {"earrings"}),
    ("A clean shaven man with glasses.", "beard", {"beard"}),
    ("she isn't wearing any lipstick", "lipstick", {"red"}),
    ("no freckles, pale skin", "freckles", {"freckles"}),
    ("a serious face, not smiling at all", "smile", {"smiling"}),
    ("man without sunglasses, looking left", "glasses", {"sunglasses"}),
    ("bald man, no beard", "beard", {"beard"}),
]


@torch.no_grad()
def eval_people(pipe, C, n: int = 4, seeds: int = 3) -> dict:
    """Named values present (classifier, where the face shows the attribute) over ``PEOPLE``, and negated values
    absent over ``NEGATIONS``; ``n`` samples per prompt and seed."""
    present, per_prompt = [], {}
    for prompt, values in PEOPLE:
        images = torch.cat([pipe.generate(prompt, n=n, seed=s).images for s in range(seeds)])
        read = C.predict(images)[0]
        seen = observable_mask(read)
        hits = [float(read[i, NAMES.index(a)] == attribute(a).index(v)) for a, v in values.items()
                for i in range(len(read)) if seen[i, NAMES.index(a)]]
        per_prompt[prompt] = round(float(np.mean(hits)), 3) if hits else None
        present += hits
    absent, per_negation = [], {}
    for prompt, name, forbidden in NEGATIONS:
        images = torch.cat([pipe.generate(prompt, n=n, seed=s).images for s in range(seeds)])
        read = C.predict(images)[0][:, NAMES.index(name)]
        ok = [float(attribute(name).values[int(v)] not in forbidden) for v in read]
        per_negation[prompt] = round(float(np.mean(ok)), 3)
        absent += ok
    return {"named_values_present": round(float(np.mean(present)), 3),
            "negated_values_absent": round(float(np.mean(absent)), 3),
            "samples_per_prompt": n * seeds, "per_prompt": per_prompt, "per_negation": per_negation}
