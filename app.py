"""TediGAN Demo: text-guided diverse face generation and manipulation in the browser.

Widgets wired to ``tedigan_demo.demo.Demo``; no model code here. Run: ``python app.py``.
"""

from __future__ import annotations

import functools
import os
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import gradio as gr
from PIL import Image

from app_inputs import MAX_UPLOAD_MB, label_input, photo_input, sketch_input
from tedigan_demo.availability import FamilyState, default_family, download_family, family_state, print_progress
from tedigan_demo.demo import MAX_SAMPLES, MAX_STEPS, MAX_STRENGTH, REFINE_STEPS, Demo, UserError
from tedigan_demo.loading import REPO_ROOT, LoadError
from tedigan_demo.serving import prune_folder, publish_png
from tedigan_demo.sessions import SessionStore
from tedigan_demo.synthfaces import LABEL_CLASSES, LABEL_PALETTE
from tedigan_demo.zoo import FAMILIES, REAL_FACE_FAMILY

try:  # ZeroGPU on Hugging Face Spaces: a handler holds a GPU for at most `duration` seconds; a no-op elsewhere
    import spaces

    def gpu(duration: int):
        return spaces.GPU(duration=duration)
except ImportError:  # pragma: no cover - the package is optional

    def gpu(duration: int):
        return lambda fn: fn


# After every event Gradio's queue rebuilds a pandas summary of up to 10 000 past events for its monitoring page
# (unused here); py-spy put that at ~5 % of the server's time under load. Once per 1000 events is plenty.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")
EXAMPLES = REPO_ROOT / "examples"
# Results (PNG images, codes, animations) are written by the app under Gradio's served folder, named by content,
# each file written aside and renamed into place, never rewritten while someone downloads it (Gradio's own
# caching rewrites an identical image's file in place, which cut concurrent downloads short), and deleted an
# hour after its last use.
OUTPUTS = Path(gr.utils.get_upload_folder()) / "tedigan"
OUTPUT_MAX_AGE_S = 3600
# Gradio's upload folder (people's photos) and the app's results together stay under this many bytes
STORAGE_CAP_BYTES = int(float(os.environ.get("TEDIGAN_STORAGE_MB", "2048")) * 2**20)
PRUNE_EVERY_S = 30
# each open page's edit codes, on disk, so that a restart of the server loses none of them
SESSIONS = SessionStore(os.environ.get("TEDIGAN_SESSIONS") or Path(tempfile.gettempdir()) / "tedigan-sessions")
FAMILY = default_family()  # $TEDIGAN_FAMILY; the real-face family on a GPU with the Hub; else the embedded one
if FAMILY in FAMILIES and family_state(FAMILY).state == "download":
    download_family(FAMILY, print_progress())  # at start, with a progress bar on the terminal (or in the log)
# CLIP families find a text's code by optimisation: 50 steps as the official code; fewer on a CPU-only host
TEXT_STEPS = int(os.environ["TEDIGAN_TEXT_STEPS"]) if os.environ.get("TEDIGAN_TEXT_STEPS", "").isdigit() else None
DEMO = Demo.load(FAMILY, out_dir=OUTPUTS, text_steps=TEXT_STEPS)  # loaded and warmed up before the server starts
EDIT_TEXT = "make her smile"
EDIT_STRENGTHS = DEMO.suggested_strengths(EDIT_TEXT) or {"coarse": 0.0, "middle": 1.0, "fine": 0.0}
DEMOS = {FAMILY: DEMO}
# every zoo family, with what this machine can do with it: run it, download it (size), or why not
STATES = {FAMILY: FamilyState(FAMILY, "here")} | {name: family_state(name) for name in FAMILIES if name != FAMILY}
_locks = {name: threading.Lock() for name in STATES}  # one download / load per family at a time


def family_choices() -> list[tuple[str, str]]:
    """The selector's entries: (label with the family's state, family name)."""
    return [(STATES[name].label if name != FAMILY else name, name) for name in STATES]


def demo_for(family: str | None, report=None) -> Demo:
    """The loaded ``Demo`` of a family (downloaded and loaded once, on first use; ``report(done, total, what)``
    hears the download). Other families keep serving meanwhile."""
    family = family or FAMILY
    if family in DEMOS:
        return DEMOS[family]
    state = STATES.get(family)
    if state is None:
        raise UserError(f"unknown model family {family!r}; the selector lists them")
    if state.state == "unavailable":
        raise UserError(f"model family {family} is not available here: {state.detail}")
    with _locks[family]:
        if family not in DEMOS:
            try:
                if state.state == "download":
                    STATES[family] = download_family(family, report)
                DEMOS[family] = Demo.load(family, out_dir=OUTPUTS, text_steps=TEXT_STEPS)
            except LoadError as e:
                raise UserError(str(e)) from None
            except Exception as e:  # a broken file: say so, keep serving the others
                raise UserError(f"could not load {family}: {str(e).splitlines()[0]}") from None
            STATES[family] = replace(STATES[family], state="here", detail="")
    return DEMOS[family]
TEXT_EXAMPLES = [
    "She has long blond hair, wears earrings and is smiling.",
    "He has a full beard, short black hair and wears glasses.",
    "A person with red bob-cut hair and freckles in front of a pink background.",
    "She wears sunglasses and red lipstick and has long brown hair.",
    "This man is bald, has dark skin and is looking to the left.",
]


def published(value):
    """A handler's result with every PIL image in it written out as a PNG file (see ``OUTPUTS``)."""
    if isinstance(value, Image.Image):
        return publish_png(value, OUTPUTS)
    if isinstance(value, (list, tuple)):
        return type(value)(published(v) for v in value)
    return value


def guarded(fn):
    """Show the user's mistakes as a message in the UI (the server carries on); images go out as PNG files."""

    @functools.wraps(fn)  # keeps the signature: Gradio looks for the progress parameter there
    def wrapper(*args, **kwargs):
        try:
            return published(fn(*args, **kwargs))
        except UserError as e:
            raise gr.Error(str(e)) from None

    return wrapper


def prune_storage() -> int:
    """Uploads, results and edit sessions unused for an hour go, and the least recently used uploads and results
    beyond the storage cap; returns how many files went."""
    return (prune_folder(gr.utils.get_upload_folder(), OUTPUT_MAX_AGE_S, STORAGE_CAP_BYTES)
            + prune_folder(SESSIONS.folder, OUTPUT_MAX_AGE_S, STORAGE_CAP_BYTES // 8))


def prune_storage_forever() -> None:
    while True:
        prune_storage()
        time.sleep(PRUNE_EVERY_S)


def kept(session, request: gr.Request | None):
    """A visitor's codes: from memory, or, after a server restart, from disk (keyed to the open page)."""
    if session is None and request is not None:
        session = SESSIONS.load(request.session_hash)
    return session


def keep(session, request: gr.Request | None):
    """Write a visitor's codes through to disk; returns them for the page's state."""
    if request is not None:
        SESSIONS.save(request.session_hash, session)
    return session


@gpu(120)
@guarded
def text_to_image(text, n, seed, truncation, family=FAMILY):
    note = demo_for(family).reading(text)
    if note:
        gr.Warning(note)
    images, captions = demo_for(family).text_to_image(text, n, seed, truncation)
    return list(zip(images, captions))


@gpu(120)
@guarded
def invert(image, steps, already_aligned, family=FAMILY, progress=gr.Progress(),  # noqa: B008 (Gradio's idiom)
           request: gr.Request = None):
    def report(step, total, losses):
        progress((step, total), desc=f"optimising W+ (loss {losses['total']:.4f})")

    aligned, recon, psnr, session = demo_for(family).invert(image, steps, already_aligned, progress=report)
    return aligned, recon, f"Reconstruction PSNR {psnr:.2f} dB after optimisation", keep(session, request)


@gpu(90)
@guarded
def apply_text(session, text, coarse, middle, fine, steps, family=FAMILY, request: gr.Request = None):
    edited, strip, session = demo_for(family).apply_text(kept(session, request), text, coarse, middle, fine, steps)
    return edited, strip, keep(session, request)


@guarded
def suggest_sliders(text, family=FAMILY):
    """The edit description changed: put the sliders on the layer groups that carry what it names."""
    strengths = demo_for(family).suggested_strengths(text)
    if strengths is None:
        return gr.update(), gr.update(), gr.update()
    return tuple(gr.update(value=strengths[g]) for g in ("coarse", "middle", "fine"))


@gpu(10)
@guarded
def rerender(session, coarse, middle, fine, family=FAMILY, request: gr.Request = None):
    return demo_for(family).rerender(kept(session, request), coarse, middle, fine)


@guarded
def export_codes(session, coarse, middle, fine, family=FAMILY, request: gr.Request = None):
    return demo_for(family).export_codes(kept(session, request), coarse, middle, fine)


def codes_file(session, coarse, middle, fine, family=FAMILY, request: gr.Request = None):
    """The codes the page shows, as a file for the download button (nothing yet: no file)."""
    try:
        return published(demo_for(family).export_codes(kept(session, request), coarse, middle, fine))
    except UserError:
        return None


@guarded
def import_codes(file, family=FAMILY, request: gr.Request = None):
    image, session = demo_for(family).import_codes(file)
    return image, keep(session, request)


@gpu(60)
@guarded
def from_sketch(sketch, text, n, seed, family=FAMILY):
    return demo_for(family).from_sketch(sketch, text, n, seed)


@gpu(60)
@guarded
def from_label(label, text, n, seed, family=FAMILY):
    return demo_for(family).from_label(label, text, n, seed)


def label_legend() -> str:
    cells = " ".join(f'<span style="display:inline-block;margin:2px 6px"><span style="display:inline-block;'
                     f'width:14px;height:14px;background:rgb{tuple(rgb)};border:1px solid #888;vertical-align:middle">'
                     f'</span> {name}</span>' for name, rgb in zip(LABEL_CLASSES, LABEL_PALETTE))
    note = "CelebAMask-HQ colour maps and single-channel class-index images work too."
    return f"<div>{cells}</div><small>{note}</small>"


@gpu(90)
@guarded
def interpolate(text_a, text_b, steps, seed, family=FAMILY):
    frames, gif = demo_for(family).interpolate(text_a, text_b, steps, seed)
    return frames, gif


@gpu(90)
@guarded
def style_mix(seed, text, coarse, middle, fine, family=FAMILY):
    return demo_for(family).style_mix(seed, text, coarse, middle, fine)


def group_label(group: str, family: str = FAMILY) -> str:
    """A slider's label: the attributes the family's measurement says this group controls."""
    names = [a.replace("_", " ") for a, gs in demo_for(family).pipe.attribute_groups.items() if group in gs]
    return f"{group} ({', '.join(names)})" if names else group


def scope_note(family: str) -> str:
    """What the edit tab can do with a photo on this family, said before anyone waits."""
    if not demo_for(family).pipe.synthetic_domain:
        return ""
    real = [name for name, st in STATES.items()
            if name in FAMILIES and FAMILIES[name].guidance == "clip" and st.state != "unavailable"]
    offer = f" For real photos choose **{max(real, key=lambda n: n == REAL_FACE_FAMILY)}** in the model family " \
        "selector." if real else (
        " No real-face family is available here (About says why).")
    return (f"**{family}** knows only its own cartoon faces: a real photo comes back as the nearest cartoon."
            + offer)


@guarded
def switch_family(family, progress=gr.Progress()):  # noqa: B008 (Gradio's idiom)
    """Download (once, with a progress bar) and load the chosen family, and relabel the sliders by what its layer
    groups control; the edit session is cleared, since W+ codes belong to one generator."""

    def report(done, total, what):
        progress((done, max(total, done, 1)), desc=f"downloading {what}", unit="bytes")

    demo_for(family, report)
    return (*(gr.update(label=group_label(g, family)) for g in ("coarse", "middle", "fine")), None,
            gr.update(choices=family_choices(), value=family), scope_note(family))


def about_markdown() -> str:
    card = REPO_ROOT / "checkpoints" / FAMILY / "README.md"
    rows = []
    words = {"here": "on this machine", "download": "downloads when chosen", "unavailable": "unavailable"}
    for name, fam in FAMILIES.items():
        state = STATES[name]
        status = "loaded (default)" if name == FAMILY else (
            f"{words[state.state]}{': ' + state.detail if state.detail else ''}")
        rows.append(f"| `{name}` | {fam.resolution} px | {fam.description} | {status} |")
    table = "| family | resolution | what | status |\n|---|---|---|---|\n" + "\n".join(rows)
    return (f"## Model families\n\n{table}\n\n" + (card.read_text() if card.exists() else ""))


# Captions under the samples wrap instead of being cut off; strips show every frame.
CSS = """
#t2i-gallery .caption-label { position: static; white-space: normal; overflow: visible; text-overflow: clip;
  max-width: 100%; width: 100%; margin: 0; line-height: 1.25; font-size: 0.8em; }
#t2i-gallery .thumbnail-item { height: auto; aspect-ratio: auto; display: flex; flex-direction: column; }
#t2i-gallery .thumbnail-item img { aspect-ratio: 1 / 1; }
#int-strip .grid-container { grid-template-columns: repeat(4, minmax(0, 1fr)) !important; }
#int-strip .thumbnail-item, #int-strip .gallery-item { width: auto; min-width: 0; height: auto; }
#int-strip .thumbnail-item img { width: 100%; height: auto; aspect-ratio: 1 / 1; object-fit: contain; }
@media (max-width: 520px) { .tab-wrapper .tab-container button { padding-left: 6px; padding-right: 6px; } }
"""

with gr.Blocks(title="TediGAN Demo", css=CSS) as demo:
    with gr.Row():
        gr.Markdown("# TediGAN Demo\nText-guided diverse face generation and manipulation "
                    "(Xia et al., CVPR 2021).")
        family_pick = gr.Dropdown(family_choices(), value=FAMILY, label="Model family", elem_id="family-pick",
                                  info="a family marked 'download' is fetched from the Hub when chosen; About says "
                                       "why one is unavailable")
    with gr.Tab("Text", elem_id="tab-text"):
        with gr.Row():
            with gr.Column(scale=2):
                t2i_text = gr.Textbox(label="Description", lines=2, value=TEXT_EXAMPLES[0])
                with gr.Row():
                    t2i_n = gr.Slider(1, MAX_SAMPLES, value=4, step=1, label="Samples")
                    t2i_seed = gr.Number(value=0, precision=0, label="Seed")
                    t2i_trunc = gr.Slider(0.3, 1.0, value=0.8, step=0.05, label="Truncation ψ")
                with gr.Row():
                    t2i_random = gr.Button("Random seed")
                    t2i_go = gr.Button("Generate", variant="primary", elem_id="t2i-go")
                gr.Examples([[t] for t in TEXT_EXAMPLES], [t2i_text])
            with gr.Column(scale=3):
                t2i_gallery = gr.Gallery(label="Samples (each with its redescription and match score)", columns=4,
                                         height="auto", elem_id="t2i-gallery")
    with gr.Tab("Edit", elem_id="tab-edit"):
        session = gr.State(None)
        with gr.Row():
            with gr.Column():
                edit_scope = gr.Markdown(scope_note(FAMILY), elem_id="edit-scope")
                edit_input = photo_input(label="Photo", sources=["upload", "clipboard"], elem_id="edit-input",
                                         height=300)
                with gr.Row():
                    edit_invert = gr.Button("Invert", variant="primary", elem_id="edit-invert", scale=2)
                    edit_steps = gr.Slider(0, MAX_STEPS, value=100, step=10, label="Optimisation steps", scale=3)
                    edit_aligned = gr.Checkbox(label="Already an aligned face crop", value=False, scale=2)
                with gr.Row():
                    edit_aligned_view = gr.Image(label="Aligned input", interactive=False, elem_id="edit-aligned")
                    edit_recon = gr.Image(label="Reconstruction", interactive=False, elem_id="edit-recon")
                edit_fidelity = gr.Markdown()
                gr.Examples([[str(EXAMPLES / "astronaut.jpg")], [str(EXAMPLES / "synthface_24.png")],
                             [str(EXAMPLES / "synthface_58.png")]], [edit_input])
                edit_npy_in = gr.File(label="Continue from W+ codes (.npy)", file_types=[".npy"])
            with gr.Column():
                edit_text = gr.Textbox(label="Edit description", value=EDIT_TEXT, elem_id="edit-text",
                                       info="the sliders move to the layer groups that carry what it names; "
                                            "above 1 they exaggerate the edit")
                with gr.Row():
                    edit_go = gr.Button("Apply description", variant="primary", elem_id="edit-go")
                    edit_refine = gr.Slider(0, 100, value=REFINE_STEPS, step=5,
                                            label="Refine toward the text (steps)")
                edit_out = gr.Image(label="Edited", interactive=False, elem_id="edit-out")
                with gr.Row():  # right under the image they change
                    coarse = gr.Slider(0, MAX_STRENGTH, value=EDIT_STRENGTHS["coarse"], step=0.05,
                                       label=group_label("coarse"), elem_id="slider-coarse")
                    middle = gr.Slider(0, MAX_STRENGTH, value=EDIT_STRENGTHS["middle"], step=0.05,
                                       label=group_label("middle"), elem_id="slider-middle")
                    fine = gr.Slider(0, MAX_STRENGTH, value=EDIT_STRENGTHS["fine"], step=0.05,
                                     label=group_label("fine"), elem_id="slider-fine")
                edit_save = gr.DownloadButton("Download W+ codes", elem_id="edit-save")
                edit_strip = gr.Gallery(label="What each layer group changes", columns=3, height="auto")
                edit_npy_out = gr.File(visible=False)  # the API's /export_codes
    with gr.Tab("Sketch / Label", elem_id="tab-sketch"):
        with gr.Row():
            with gr.Column():
                sk_pad = sketch_input(label="Sketch (dark strokes; or upload a drawing)", type="pil",
                                      canvas_size=(256, 256), brush=gr.Brush(colors=["#000000"], default_size=3))
                gr.Examples([[str(EXAMPLES / "sketch_24.png")], [str(EXAMPLES / "sketch_58.png")]], [sk_pad])
            with gr.Column():
                lb_pad = label_input(label="Label map (upload, or paint with the legend's colours)", type="pil",
                                        canvas_size=(256, 256),
                                        brush=gr.Brush(colors=[f"#{r:02x}{g:02x}{b:02x}" for r, g, b in LABEL_PALETTE],
                                                       default_size=8, color_mode="fixed"), elem_id="label-input")
                gr.HTML(label_legend())
                gr.Examples([[str(EXAMPLES / "label_24.png")], [str(EXAMPLES / "label_58.png")]], [lb_pad])
        with gr.Row():
            mm_text = gr.Textbox(label="Optional description (appearance)", value="She has red hair.")
            mm_n = gr.Slider(1, MAX_SAMPLES, value=4, step=1, label="Samples")
            mm_seed = gr.Number(value=0, precision=0, label="Seed")
        with gr.Row():
            sk_go = gr.Button("Faces from the sketch", variant="primary", elem_id="sketch-go")
            lb_go = gr.Button("Faces from the label map", variant="primary", elem_id="label-go")
        mm_gallery = gr.Gallery(label="Results", columns=4, height="auto", elem_id="mm-gallery")
    with gr.Tab("Mix", elem_id="tab-mix"):
        with gr.Row():
            with gr.Column():
                gr.Markdown("### Sentence interpolation")
                int_a = gr.Textbox(label="From", value="He has short black hair and a beard.")
                int_b = gr.Textbox(label="To", value="She has long blond hair and is smiling.")
                with gr.Row():
                    int_steps = gr.Slider(2, 16, value=8, step=1, label="Frames")
                    int_seed = gr.Number(value=0, precision=0, label="Seed")
                int_go = gr.Button("Interpolate", variant="primary", elem_id="int-go")
                int_strip = gr.Gallery(label="Strip", columns=4, height="auto", elem_id="int-strip")
                int_gif = gr.Image(label="Animation", interactive=False)
            with gr.Column():
                gr.Markdown("### Style mixing: a random face, chosen layer groups from a description")
                mix_seed = gr.Number(value=3, precision=0, label="Content face (seed)")
                mix_text = gr.Textbox(label="Style from", value="She has red hair and a pink background.")
                with gr.Row():
                    mix_c = gr.Slider(0, 1, value=0, step=0.05, label="coarse")
                    mix_m = gr.Slider(0, 1, value=0, step=0.05, label="middle")
                    mix_f = gr.Slider(0, 1, value=1, step=0.05, label="fine")
                mix_go = gr.Button("Mix", variant="primary", elem_id="mix-go")
                with gr.Row():
                    mix_content = gr.Image(label="Content", interactive=False)
                    mix_out = gr.Image(label="Mixed", interactive=False, elem_id="mix-out")
    with gr.Tab("About", elem_id="tab-about"):
        gr.Markdown(about_markdown())

    fam = [family_pick]  # every task runs on the family chosen in the selector
    t2i_go.click(text_to_image, [t2i_text, t2i_n, t2i_seed, t2i_trunc, *fam], t2i_gallery,
                 api_name="text_to_image", concurrency_limit=2)
    t2i_random.click(lambda: int.from_bytes(os.urandom(3), "big"), None, t2i_seed, api_name="random_seed")
    edit_invert_done = edit_invert.click(invert, [edit_input, edit_steps, edit_aligned, *fam],
                      [edit_aligned_view, edit_recon, edit_fidelity, session], api_name="invert", concurrency_limit=1)
    edit_go_done = edit_go.click(apply_text, [session, edit_text, coarse, middle, fine, edit_refine, *fam],
                  [edit_out, edit_strip, session], api_name="edit", concurrency_limit=2)
    # Slider re-renders have their own queue slots (4 at a time), apart from the slow jobs. Bypassing the queue
    # (queue=False) was measured: no lower latency under 16 users, and 2 dropped connections (bench/app_load.py).
    edit_text.change(suggest_sliders, [edit_text, *fam], [coarse, middle, fine], api_name=False,
                     show_progress="hidden", trigger_mode="always_last")
    sliders = [session, coarse, middle, fine, *fam]
    slider_moves = [  # the user's moves only: a suggestion waits for "Apply description"
        slider.input(rerender, sliders, edit_out, api_name=False, show_progress="hidden",
                     trigger_mode="always_last", concurrency_limit=4, concurrency_id="rerender")
        for slider in (coarse, middle, fine)]
    gr.Button(visible=False).click(rerender, sliders, edit_out, api_name="rerender", concurrency_limit=4,
                                   concurrency_id="rerender")
    gr.Button(visible=False).click(export_codes, sliders, edit_npy_out, api_name="export_codes")
    # the download button always holds the codes of what the page shows: one click downloads them
    edit_invert_done.then(codes_file, sliders, edit_save, api_name=False, show_progress="hidden")
    edit_go_done.then(codes_file, sliders, edit_save, api_name=False, show_progress="hidden")
    for moved in slider_moves:
        moved.then(codes_file, sliders, edit_save, api_name=False, show_progress="hidden")
    edit_npy_in.upload(import_codes, [edit_npy_in, *fam], [edit_recon, session], api_name="import_codes")
    sk_go.click(from_sketch, [sk_pad, mm_text, mm_n, mm_seed, *fam], mm_gallery, api_name="from_sketch",
                concurrency_limit=2)
    lb_go.click(from_label, [lb_pad, mm_text, mm_n, mm_seed, *fam], mm_gallery, api_name="from_label",
                concurrency_limit=2)
    int_go.click(interpolate, [int_a, int_b, int_steps, int_seed, *fam], [int_strip, int_gif],
                 api_name="interpolate", concurrency_limit=2)
    mix_go.click(style_mix, [mix_seed, mix_text, mix_c, mix_m, mix_f, *fam], [mix_content, mix_out],
                 api_name="style_mix", concurrency_limit=2)
    family_pick.input(switch_family, family_pick, [coarse, middle, fine, session, family_pick, edit_scope],
                      api_name="switch_family", concurrency_limit=2)

demo.queue(max_size=64, default_concurrency_limit=2)

if __name__ == "__main__":
    threading.Thread(target=prune_storage_forever, name="prune-storage", daemon=True).start()
    demo.launch(max_file_size=f"{MAX_UPLOAD_MB}mb", server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
