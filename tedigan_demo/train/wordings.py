"""The words people use for each attribute value, the raw material of the text reader's training corpus
(``train.reader_corpus``).

Per vocabulary, ``{(attribute, value): Wording}``. A wording lists the forms a value takes in a sentence, so that
the corpus can put each one under every kind of statement, negation and edit:

- ``nouns``: noun phrases, with their article where English wants one ("a beard", "stubble", "glasses");
- ``adjs``: adjectives for a person or a predicate ("bearded", "bespectacled", "freckled");
- ``ings``: participles after "is" / "not" / "stop" ("smiling", "looking to the left");
- ``imps``: imperative edits that ask for the value ("smile", "look left", "shave his head");
- ``comps``: comparatives for edits ("rounder", "paler").

A value named by a phrase with another value's colour word ("pale blue eyes") is the eye colour's, never the skin's:
the phrase is tagged whole. Words for things outside the vocabulary (clothes, places, moods) are ``DISTRACTORS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Wording", "SYNTHFACES", "REALFACE", "DISTRACTORS", "SUBJECTS", "wordings_for"]


@dataclass(frozen=True)
class Wording:
    nouns: tuple[str, ...] = ()
    adjs: tuple[str, ...] = ()
    ings: tuple[str, ...] = ()
    imps: tuple[str, ...] = ()
    comps: tuple[str, ...] = ()
    negatable: bool = True  # "no <noun>" means the opposite value (False: "no hair" is a value of its own)
    tags: tuple[str, ...] = field(default=())


def W(nouns="", adjs="", ings="", imps="", comps="", negatable=True) -> Wording:
    """A ``Wording`` from ``|``-separated strings (compact tables)."""
    split = (lambda s: tuple(x.strip() for x in s.split("|") if x.strip()))
    return Wording(split(nouns), split(adjs), split(ings), split(imps), split(comps), negatable)


_HAIR_COLOURS = {
    "black": ("black|jet-black|jet black|raven|raven-black|inky black|coal-black|ebony|very dark", "black-haired|"
              "raven-haired|dark-haired"),
    "brown": ("brown|chestnut|brunette|mousy brown|mousey|chocolate brown|light brown|dark brown|hazel|coffee-coloured"
              "|nut-brown|caramel", "brown-haired|brunette|chestnut-haired"),
    "blond": ("blond|blonde|golden|sandy|platinum|platinum blonde|honey-blond|flaxen|bleached|straw-coloured|"
              "butter-yellow|yellow", "blond|blonde|fair-haired|golden-haired|towheaded|flaxen-haired"),
    "red": ("red|ginger|auburn|copper|coppery|strawberry-blonde|fiery red|carrot|orange|rust-coloured|titian",
            "red-haired|redheaded|ginger-haired|auburn-haired|carrot-topped"),
    "gray": ("gray|grey|silver|silvery|white|snow-white|salt-and-pepper|ash-grey|steel-grey|pewter",
             "gray-haired|grey-haired|silver-haired|white-haired|greying|graying"),
}
_HAIR_NOUNS = ("hair", "locks", "mane", "curls", "hairdo", "tresses", "barnet", "mop")


def _hair_colour(value: str) -> Wording:
    colours, adjs = _HAIR_COLOURS[value]
    cols = [c for c in colours.split("|") if c]
    nouns = [f"{c} {n}" for c in cols for n in _HAIR_NOUNS[:5]]
    extra = {"red": "a redhead|a ginger|a carrot-top|a copper top", "blond": "a blonde|a blond|a platinum blonde",
             "brown": "a brunette|a brunet", "gray": "a silver fox|grey streaks", "black": "a head of black hair"}
    nouns += extra[value].split("|")
    imps = [f"dye the hair {c}" for c in cols[:4]] + [f"turn the hair {c}" for c in cols[:4]] + \
           [f"make the hair {c}" for c in cols[:4]] + [f"go {c}" for c in cols[:3]] + [f"colour the hair {cols[0]}"]
    return Wording(tuple(nouns), tuple(a for a in adjs.split("|") if a), (), tuple(imps), ())


def _colour_background(value: str, words: str) -> Wording:
    cols = words.split("|")
    things = ("background", "backdrop", "wall", "bg", "setting", "canvas behind", "back wall", "screen")
    nouns = [f"a {c} {t}" for c in cols for t in things[:3]] + [f"{c} {t}" for c in cols[:3] for t in things[3:6]]
    imps = [f"make the background {c}" for c in cols[:4]] + [f"change the backdrop to {c}" for c in cols[:3]] + \
           [f"put her against a {c} wall" for c in cols[:2]] + [f"paint the background {c}" for c in cols[:2]]
    return Wording(tuple(nouns), (), (), tuple(imps), ())


# ---- the procedural domain ----------------------------------------------------------------------------------------
SYNTHFACES: dict[tuple[str, str], Wording] = {
    ("pose", "left"): W("a head turned left|a face turned to the left|a left profile|a three-quarter view to the left",
                        "", "looking to the left|looking left|facing left|turned to the left|turning left|gazing left"
                        "|glancing to the left|looking off to the left|facing the left side|peering left",
                        "look to the left|look left|turn left|turn her head left|face left|turn the head to the left",
                        "more to the left"),
    ("pose", "frontal"): W("a front view|a straight-on view|a frontal pose|a head-on pose|a passport-style pose",
                           "front-facing|forward-facing|head-on",
                           "looking straight ahead|facing the camera|looking at the camera|facing forward|facing us"
                           "|looking directly at the viewer|staring straight at the camera|looking right at you",
                           "look at the camera|face the camera|look straight ahead|face forward|turn to face us"
                           "|look straight at me", ""),
    ("pose", "right"): W("a head turned right|a face turned to the right|a right profile|a three-quarter view to the"
                         " right", "", "looking to the right|looking right|facing right|turned to the right|turning "
                         "right|gazing right|glancing to the right|looking off to the right|facing the right side",
                         "look to the right|look right|turn right|turn his head right|face right|turn the head to the"
                         " right", "more to the right"),
    ("face_shape", "round"): W("a round face|a chubby face|a circular face|round cheeks|a moon face|a full face"
                               "|chubby cheeks|a baby face|a plump face|a broad round face",
                               "round-faced|chubby-cheeked|moon-faced|chubby|plump-faced|apple-cheeked", "",
                               "make the face rounder|give him chubby cheeks|round out the face",
                               "rounder|chubbier|fuller in the face"),
    ("face_shape", "oval"): W("an oval face|an egg-shaped face|an oval-shaped face|a classic oval face"
                              "|a balanced oval face", "oval-faced", "", "make the face oval|give her an oval face",
                              "more oval"),
    ("face_shape", "long"): W("a long face|a narrow face|a thin face|an elongated face|a slim face|a gaunt face"
                              "|a horse face|a lean face|a long narrow face|a slender face",
                              "long-faced|narrow-faced|thin-faced|hollow-cheeked|lantern-jawed", "",
                              "make the face longer|slim down the face|narrow the face|lengthen the face",
                              "longer in the face|narrower|thinner|slimmer"),
    ("glasses", "none"): W("bare eyes", "", "", "take off the glasses|remove the glasses", "", negatable=False),
    ("glasses", "glasses"): W("glasses|eyeglasses|spectacles|specs|reading glasses|round glasses|wire-rimmed glasses"
                              "|horn-rimmed glasses|thick-rimmed specs|nerd glasses|a pair of glasses|a pair of specs"
                              "|bifocals|clear glasses|frames|geeky glasses",
                              "bespectacled|four-eyed", "wearing glasses|wearing specs",
                              "put glasses on|add glasses|give her glasses|put some specs on him", ""),
    ("glasses", "sunglasses"): W("sunglasses|shades|sunnies|dark glasses|aviators|a pair of shades|tinted glasses"
                                 "|black sunglasses|mirrored shades|wayfarers|dark shades|sun glasses",
                                 "", "wearing shades|wearing sunglasses",
                                 "put on some shades|add sunglasses|give him shades|put sunnies on her", ""),
    ("hair_style", "bald"): W("a bald head|a shaved head|a shaven head|a chrome dome|a cue ball head|a bare scalp"
                              "|no hair at all|a clean-shaven head|a slaphead|a smooth scalp|a buzzed-off head",
                              "bald|hairless|bald-headed|shaven-headed|baldy", "going bald|balding",
                              "shave his head|make him bald|shave her head|remove all the hair|take all the hair off"
                              "|buzz it all off|give him a shaved head", "balder", negatable=False),
    ("hair_style", "short"): W("short hair|a buzz cut|a buzzcut|a crew cut|cropped hair|a pixie cut|a short crop"
                               "|close-cropped hair|a short back and sides|a military cut|short locks|a fade"
                               "|a short haircut|a crop|a short do|closely cut hair|a skinhead cut|a number two",
                               "short-haired|crop-haired|close-cropped", "",
                               "cut the hair short|give him a buzz cut|crop the hair|make the hair short"
                               "|give her a pixie cut|chop the hair off short", "shorter"),
    ("hair_style", "bob"): W("a bob|a bob cut|a bob haircut|chin-length hair|jaw-length hair|a bobbed haircut"
                             "|a lob|a blunt bob|a short bob|hair down to the chin|a chin-length cut|a page-boy cut",
                             "bobbed|bob-haired", "", "give her a bob|cut the hair to the chin|make it a bob"
                             "|cut her hair into a bob", ""),
    ("hair_style", "long"): W("long hair|flowing hair|shoulder-length hair|long locks|hair down to the shoulders"
                              "|hair past the shoulders|long flowing locks|a long mane|waist-length hair|long tresses"
                              "|lengthy hair|a ponytail|shoulder-grazing locks|a long mop|hair down her back",
                              "long-haired", "", "grow the hair long|give her long hair|make the hair longer"
                              "|let his hair grow out|add long hair", "longer-haired"),
    ("eyes", "open"): W("open eyes|eyes wide open|wide-open eyes|eyes open|wide eyes", "wide-eyed|wide awake|awake",
                        "keeping the eyes open",
                        "open the eyes|open her eyes|open his eyes|wake him up|make the eyes open",
                        ""),
    ("eyes", "closed"): W("closed eyes|shut eyes|eyes closed|eyes shut|closed eyelids|eyes squeezed shut",
                          "asleep|sleeping|sleepy-eyed|dozing", "blinking|squinting|sleeping|napping|dozing off"
                          "|keeping the eyes closed|with the eyes shut", "close the eyes|close her eyes|shut his eyes"
                          "|make her blink|make him sleep|have her close her eyes", ""),
    ("smile", "neutral"): W("a neutral expression|a straight face|a serious expression|a blank expression|a poker face"
                            "|a stone face|a stony expression|no expression"
                            "|a stern look|a frown|a solemn face|a deadpan look|a stony face|a flat expression|a scowl"
                            "|a resting face|a grumpy face|a sad face|a calm look|a chill look|a relaxed face"
                            "|a composed expression|a blank stare|a neutral look",
                            "serious|stern|unsmiling|expressionless|solemn|grumpy|sad|glum|neutral|stony-faced"
                            "|straight-faced|moody|sombre|somber|deadpan|calm|impassive|unamused",
                            "frowning|scowling|pouting|sulking",
                            "make him serious|wipe the smile off|make her frown|stop the smile|make him look grumpy"
                            "|give her a neutral expression|make the expression serious", "more serious|grumpier"),
    ("smile", "smiling"): W("a smile|a big smile|a grin|a broad grin|a wide smile|a cheeky grin|a toothy grin"
                            "|a happy expression|a warm smile|a beaming smile|a friendly smile|a gentle smile"
                            "|pearly whites showing|a cheesy grin|a joyful look|a laugh|a smirk",
                            "smiling|grinning|happy|cheerful|joyful|beaming|jolly|smiley|laughing|chuffed|upbeat"
                            "|jovial|gleeful", "smiling|grinning|beaming|laughing|chuckling|grinning from ear to ear",
                            "smile|make her smile|make him grin|give her a smile|make him happy|add a smile"
                            "|cheer him up|make her laugh|turn that frown upside down", "happier|smilier"),
    ("mouth", "closed"): W("a closed mouth|lips pressed together|a shut mouth|tight lips|sealed lips",
                           "tight-lipped|close-mouthed", "keeping the mouth shut",
                           "close the mouth|close her mouth|shut his mouth|make the mouth closed", ""),
    ("mouth", "open"): W("an open mouth|parted lips|a gaping mouth|an open-mouthed look|a mouth agape|lips apart"
                         "|a dropped jaw|a wide-open mouth|mouth open|mouth wide open|lips parted|mouth hanging open",
                         "open-mouthed|agape|slack-jawed|gaping",
                         "gasping|yawning|talking|shouting|singing|gaping|showing teeth",
                         "open the mouth|open her mouth|part his lips|make him yawn|drop her jaw|make her gasp", ""),
    ("beard", "none"): W("a clean-shaven face|a smooth chin|a bare chin|a smooth face",
                         "clean-shaven|clean shaven|beardless|smooth-shaven|freshly shaved|smooth-faced",
                         "", "shave him|shave his face|make him clean-shaven|give him a clean shave", "",
                         negatable=False),
    ("beard", "beard"): W("a beard|a full beard|stubble|a goatee|facial hair|a five o'clock shadow|whiskers"
                          "|a bushy beard|a scruffy beard|a moustache|a mustache|a handlebar moustache|a long beard"
                          "|a short beard|a trimmed beard|a chin beard|designer stubble|a beardo look|mutton chops"
                          "|a thick beard|a grizzly beard|a ginger beard|a hipster beard",
                          "bearded|stubbly|unshaven|scruffy-faced|hairy-faced|whiskered|mustachioed",
                          "", "grow a beard|give him a beard|add a beard|add some stubble|let his beard grow"
                          "|give him a goatee|put a moustache on him", "hairier"),
    ("earrings", "none"): W("bare earlobes|unpierced ears", "", "", "take out the earrings|remove her earrings", "",
                            negatable=False),
    ("earrings", "earrings"): W("earrings|an earring|ear studs|hoops|hoop earrings|gold earrings|dangly earrings"
                                "|pearl earrings|studs in her ears|silver hoops|ear piercings|pierced ears"
                                "|drop earrings"
                                "|ear jewellery|ear jewelry|big hoops|gold hoops",
                                "", "wearing earrings", "add earrings|give her earrings|put hoops in her ears"
                                "|give him an earring|pierce her ears", ""),
    ("skin_tone", "light"): W("pale skin|fair skin|a light complexion|porcelain skin|light skin|a fair complexion"
                              "|a pale complexion|ivory skin|milky skin|peaches-and-cream skin|rosy fair skin"
                              "|snow-white skin|a pasty complexion",
                              "pale|fair-skinned|light-skinned|pale-skinned|pasty|porcelain-skinned|fair",
                              "", "make the skin paler|lighten the skin|make her pale|give him fair skin",
                              "paler|fairer|lighter-skinned|a bit paler|lighter"),
    ("skin_tone", "tan"): W("tan skin|tanned skin|olive skin|a medium complexion|a tan|a suntan|sun-kissed skin"
                            "|golden skin|bronzed skin|caramel skin|honey-toned skin|an olive complexion|a golden tan"
                            "|a light brown complexion|beige skin|a mediterranean complexion|warm olive skin",
                            "tanned|tan|sun-kissed|bronzed|olive-skinned|olive-toned|sunburnt|sun-tanned",
                            "", "give him a tan|tan her skin|make the skin olive|bronze his skin",
                            "tanner|more tanned|more bronzed"),
    ("skin_tone", "dark"): W("dark skin|brown skin|a deep complexion|deep brown skin|ebony skin|a dark complexion"
                             "|black skin|rich dark skin|chocolate skin|mahogany skin|melanin-rich skin"
                             "|deep skin|a rich brown complexion|espresso skin",
                             "dark-skinned|brown-skinned|black|dark-complexioned|deep-skinned",
                             "", "darken the skin|make the skin darker|give her dark skin|make his skin deep brown",
                             "darker|darker-skinned|deeper-toned"),
    ("eye_color", "brown"): W("brown eyes|dark brown eyes|hazel eyes|chocolate eyes|dark eyes|amber eyes|brown peepers"
                              "|hazel-brown eyes|warm brown eyes|coffee-coloured eyes|deep brown eyes|dark peepers",
                              "brown-eyed|dark-eyed|hazel-eyed", "",
                              "make the eyes brown|give her brown eyes|change the eyes to brown", ""),
    ("eye_color", "blue"): W("blue eyes|bright blue eyes|pale blue eyes|azure eyes|icy blue eyes|sky-blue eyes"
                             "|baby blues|blue peepers|sapphire eyes|steel-blue eyes|ocean-blue eyes|light blue eyes"
                             "|grey-blue eyes", "blue-eyed", "",
                             "make the eyes blue|give him blue eyes|change the eye colour to blue|turn her eyes blue",
                             ""),
    ("eye_color", "green"): W("green eyes|bright green eyes|emerald eyes|jade eyes|sea-green eyes|olive-green eyes"
                              "|green peepers|hazel-green eyes|grass-green eyes|piercing green eyes", "green-eyed",
                              "", "make the eyes green|give her green eyes|turn his eyes green", ""),
    # never "no makeup" among the none's nouns: a corpus that negates it ("rather than no makeup") teaches "no
    # makeup" both ways; "no" + "makeup" (lipstick ruled out) says the same
    ("lipstick", "none"): W("natural lips|bare lips|plain lips|a bare face|a makeup-free face",
                            "make-up-free|barefaced|bare-faced", "", "wipe off the lipstick|remove the lipstick"
                            "|take off her makeup", "", negatable=False),
    ("lipstick", "red"): W("lipstick|red lipstick|red lips|painted lips|bright red lips|ruby lips|crimson lips"
                           "|scarlet lips|lippy|lip colour|lip color|a red pout|cherry-red lips|lip gloss|makeup"
                           "|make-up"
                           "|a bold lip|rouged lips|glossy red lips", "red-lipped|made-up", "wearing lipstick",
                           "add lipstick|put lipstick on her|give her red lips|paint her lips red|add some lippy"
                           "|give him lipstick|put some makeup on her", ""),
    ("freckles", "none"): W("clear skin|flawless skin|spotless skin|unblemished skin|smooth skin",
                            "", "", "remove the freckles|clear up the skin", "", negatable=False),
    ("freckles", "freckles"): W("freckles|a freckled face|a sprinkle of freckles|lots of freckles|sun spots"
                                "|a dusting of freckles|freckled cheeks|spots across the nose|a few freckles"
                                "|angel kisses|speckled cheeks|beauty spots", "freckled|freckly|freckle-faced",
                                "", "add freckles|give her freckles|sprinkle some freckles on him|put freckles on",
                                "more freckled"),
    ("background", "blue"): _colour_background("blue", "blue|navy|sky-blue|light blue|turquoise|teal|cobalt"),
    ("background", "green"): _colour_background("green", "green|lime|mint|olive green|emerald|sage|leafy green"),
    ("background", "pink"): _colour_background("pink", "pink|rose|salmon|magenta|bubblegum pink|blush|fuchsia"),
    ("background", "gray"): _colour_background("gray", "gray|grey|slate|silver|charcoal|neutral grey|ash"),
}
for _v in _HAIR_COLOURS:
    SYNTHFACES[("hair_color", _v)] = _hair_colour(_v)

# ---- real faces (FFHQ families, read zero-shot through CLIP) --------------------------------------------------------
_SHARED = {  # realface (attribute, value) -> the synthfaces wording it shares
    ("eyeglasses", "eyeglasses"): ("glasses", "glasses"), ("eyeglasses", "sunglasses"): ("glasses", "sunglasses"),
    ("smile", "smiling"): ("smile", "smiling"), ("smile", "not smiling"): ("smile", "neutral"),
    ("mouth", "open"): ("mouth", "open"), ("mouth", "closed"): ("mouth", "closed"),
    ("hair_style", "bald"): ("hair_style", "bald"), ("beard", "beard"): ("beard", "beard"),
    ("beard", "none"): ("beard", "none"), ("skin", "pale"): ("skin_tone", "light"),
    ("skin", "tanned"): ("skin_tone", "tan"), ("skin", "dark"): ("skin_tone", "dark"),
    ("lipstick", "lipstick"): ("lipstick", "red"), ("eyeglasses", "none"): ("glasses", "none"),
    **{("hair_color", v): ("hair_color", v) for v in _HAIR_COLOURS},
}
REALFACE: dict[tuple[str, str], Wording] = {k: SYNTHFACES[v] for k, v in _SHARED.items()}
REALFACE.update({
    ("gender", "man"): W("a man|a guy|a gentleman|a bloke|a dude|a boy|a lad|a fella|a husband|a father|a king"
                         "|a grandfather|a businessman|a chap|a male", "male|masculine|manly", "",
                         "make it a man|turn her into a man|make him male|make the person a guy", "more masculine",
                         negatable=False),
    ("gender", "woman"): W("a woman|a lady|a girl|a gal|a female|a mother|a wife|a queen|a grandmother"
                           "|a businesswoman|a lass|a madam", "female|feminine|womanly", "",
                           "make it a woman|turn him into a woman|make the person female|make it a lady",
                           "more feminine", negatable=False),
    ("age", "young"): W("a young face|a youthful look|a kid|a teenager|a child|a baby face|a twenty-something",
                        "young|youthful|teenage|boyish|girlish|fresh-faced|juvenile", "",
                        "make him younger|make her young|de-age him|make her look twenty", "younger|more youthful",
                        negatable=False),
    ("age", "old"): W("wrinkles|an old face|crow's feet|a senior|a pensioner|an elderly look|age lines",
                      "old|elderly|aged|wrinkled|wrinkly|senior|ancient|middle-aged|grey-templed", "ageing|aging",
                      "make him older|age her|make her look old|add wrinkles|make him elderly", "older|more aged"),
    ("hair_style", "bangs"): W("bangs|a fringe|a blunt fringe|curtain bangs|a heavy fringe", "", "",
                               "give her bangs|cut a fringe|add bangs", ""),
    ("hair_style", "wavy"): W("wavy hair|curly hair|curls|waves|ringlets|an afro|a perm|frizzy hair|loose waves",
                              "curly-haired|wavy-haired|curly|wavy|frizzy", "",
                              "make the hair curly|give her curls|add waves to the hair|perm his hair", "curlier"),
    ("hair_style", "straight"): W("straight hair|sleek hair|poker-straight hair|flat hair|silky straight hair",
                                  "straight-haired", "", "straighten the hair|make the hair straight", "straighter"),
    ("makeup", "heavy makeup"): W("heavy makeup|heavy make-up|lots of makeup|eyeliner|mascara|eyeshadow|a full face"
                                  " of makeup|smoky eyes|foundation|blush|contouring",
                                  "made-up|heavily made-up|glammed-up", "",
                                  "add makeup|give her heavy makeup|put eyeliner on him|glam her up", ""),
    ("makeup", "none"): W("a bare face|a natural look|a makeup-free face", "barefaced|bare-faced", "",
                          "remove the makeup|wipe off her makeup", "", negatable=False),
    ("lipstick", "none"): W("natural lips|bare lips|plain lips", "", "",
                            "wipe off the lipstick|remove the lipstick", "",
                            negatable=False),
})

# Clauses about things no vocabulary names: tagged as unknown words, so that the reader can say what it did not place.
DISTRACTORS = (
    "in a navy suit|wearing a red scarf|in a green jacket|with a blue tie|in a black t-shirt|wearing a pink hoodie"
    "|in a grey sweater|with a brown leather jacket|in a white shirt|wearing a yellow raincoat|in a denim jacket"
    "|with a gold necklace|wearing a silver watch|with a blue baseball cap|in a woolly hat|wearing a bow tie"
    "|at the beach|in a park|on a sunny day|in the office|at a wedding|in the rain|at night|in the city"
    "|holding a coffee|holding a cat|reading a book|playing guitar|with a dog|on a bicycle|after a long day"
    "|who loves jazz|who works as a nurse|who is a teacher|from Ireland|in her thirties|in his forties|aged about 50"
    "|with a scar on the chin|with rosy cheeks|with thick eyebrows|with a big nose|with a pointed chin|with dimples"
    "|with high cheekbones|with a strong jaw|with bushy eyebrows|with a tattoo on the neck|with a nose ring"
    "|with a warm personality|looking tired|looking confident|in a good mood|very tall|quite short|slim|athletic"
    "|with a green hat|with a purple beanie|with an orange scarf|in a red dress|in a blue uniform|in a lab coat"
    "|with a pink flower in her hair|with a headband|with a hair clip|photographed in soft light|in black and white"
    "|like a movie star|like a pirate|like my uncle|sort of like a cartoon|in a renaissance painting style"
    "|drawn in pencil|high resolution|4k|photorealistic|trending on artstation|detailed|cinematic lighting"
).split("|")
SUBJECTS = (
    "she|he|they|this person|the person|a person|someone|a woman|a man|this woman|this man|the woman|the man|a lady"
    "|a guy|a girl|a boy|a bloke|a gal|a dude|an individual|a young woman|an older man|a teenager|a kid|my friend"
    "|the subject|a character|a face|a portrait of someone|a headshot of a woman|a photo of a man|a picture of a girl"
    "|an adult|a gentleman|a fella|a lass|a student|a businessman|a nurse|an artist"
).split("|")


def wordings_for(vocabulary: str) -> dict[tuple[str, str], Wording]:
    """The wordings of the vocabulary called ``vocabulary`` ("synthfaces" or "realface")."""
    return {"synthfaces": SYNTHFACES, "realface": REALFACE}[vocabulary]
