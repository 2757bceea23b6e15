"""TediGAN Demo: text-guided diverse face generation and manipulation in the browser.

The Space's entry: the page, one builder per tab, each tab's widgets wired to the handlers of a ``webapp.Server``
(which call ``tedigan_demo.demo.Demo``); no model code here and nothing loaded at import. Run: ``python app.py`` (or
``create_app()`` from Python and launch it with ``page_options()``).
"""

from __future__ import annotations

import mimetypes
import os
import threading
from types import SimpleNamespace

import gradio as gr

from tedigan_demo.demo import MAX_AMOUNT, MAX_SAMPLES, MAX_STEPS, MAX_STRENGTH
from tedigan_demo.loading import REPO_ROOT
from tedigan_demo.pipeline.results import MAX_TEXT_CHARS
from tedigan_demo.registry import FamilyRegistry
from tedigan_demo.synthfaces import LABEL_PALETTE
from webapp.handlers import OUTPUTS, Server
from webapp.inputs import MAX_UPLOAD_MB, label_input, photo_input, sketch_input
from webapp.words import (
    READING_HELP,
    TEXT_EXAMPLES,
    about_markdown,
    edit_examples,
    group_label,
    label_legend,
    scope_note,
)

# Gradio's queue rebuilds a summary of past events for its monitoring page (unused here) after every event: once
# per 1000 is plenty (docs/decisions.md, "Serving")
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")
EXAMPLES = REPO_ROOT / "examples"

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


STATIC = REPO_ROOT / "static"  # the page's own render of slider moves: onnxruntime-web and static/slider.js
for _type, _ext in (("text/javascript", ".mjs"), ("application/wasm", ".wasm")):  # the runtime's module and binary
    mimetypes.add_type(_type, _ext)


def page_head() -> str:
    """The page's script for slider moves rendered in the browser (loads its runtime only once codes arrive)."""
    runtime = f"gradio_api/file={STATIC / 'onnxruntime-web'}/"
    return (f"<script>window.TEDIGAN_BROWSER = {{runtime: {runtime!r}}};</script>\n"
            f"<script>{(STATIC / 'slider.js').read_text()}</script>")


def page_options() -> dict:
    """``launch()``'s keywords that dress the page (Gradio 6 takes them there): its CSS and the slider script, and
    every failure's message in the page (Gradio's own, in reading an input, too; the handlers' are ``gr.Error``s)."""
    return {"css": CSS, "head": page_head(), "show_error": True}


# ---- the tabs: each builder lays its widgets out and returns them (a namespace) for the wiring ----------------------
def _header(families: FamilyRegistry) -> gr.Dropdown:
    """The title, and the family selector every task runs on."""
    with gr.Row():
        gr.Markdown("# TediGAN Demo\nText-guided diverse face generation and manipulation (Xia et al., CVPR 2021).")
        return gr.Dropdown(families.choices(), value=families.default, label="Model family", elem_id="family-pick",
                           info="a family marked 'download' is fetched from the Hub when chosen; About says why one "
                                "is unavailable")


def _text_tab() -> SimpleNamespace:
    """Text -> faces: a description, the sampling knobs, and a gallery of captioned samples."""
    t = SimpleNamespace()
    with gr.Tab("Text", elem_id="tab-text"), gr.Row():
        with gr.Column(scale=2):
            t.text = gr.Textbox(label="Description", lines=2, value=TEXT_EXAMPLES[0], elem_id="t2i-text",
                                max_length=MAX_TEXT_CHARS, info=READING_HELP.format(limit=MAX_TEXT_CHARS))
            t.reading = gr.Markdown(elem_id="t2i-reading")
            with gr.Row():
                t.n = gr.Slider(1, MAX_SAMPLES, value=4, step=1, label="Samples")
                t.seed = gr.Number(value=0, precision=0, label="Seed")
                t.trunc = gr.Slider(0.3, 1.0, value=0.8, step=0.05, label="Truncation ψ")
            with gr.Row():
                t.random = gr.Button("Random seed")
                t.go = gr.Button("Generate", variant="primary", elem_id="t2i-go")
            gr.Examples([[text] for text in TEXT_EXAMPLES], [t.text])
        with gr.Column(scale=3):
            t.gallery = gr.Gallery(label="Samples (each with its redescription and match score)", columns=4,
                                   height="auto", elem_id="t2i-gallery")
    return t


def _edit_tab(families: FamilyRegistry) -> SimpleNamespace:
    """Edit a photo: invert it (left column), then edit its codes by a description, global directions, group and
    attribute sliders (right column). The defaults are the default family's."""
    e = SimpleNamespace()
    demo = families.demo_for(families.default)
    with gr.Tab("Edit", elem_id="tab-edit"):
        e.session = gr.State(None)
        # made here, shown in the right column: the left column's examples fill it
        e.text = gr.Textbox(label="Edit description", value=_first_edit_text(demo), elem_id="edit-text",
                            max_length=MAX_TEXT_CHARS, render=False, info="the sliders move to the layer groups that "
                            "carry what it names; above 1 they exaggerate the edit")
        with gr.Row():
            with gr.Column():
                _edit_photo_column(e, families, demo)
            with gr.Column():
                _edit_result_column(e, families, demo)
    return e


def _first_edit_text(demo) -> str:
    """The edit description the page opens with: the first Edit example's, of the family's domain."""
    return edit_examples(demo.pipe.synthetic_domain)[0][1]


def _edit_photo_column(e: SimpleNamespace, families: FamilyRegistry, demo) -> None:
    """The Edit tab's left column: the photo, its inversion and the examples; ``demo`` gives the defaults."""
    synthetic = demo.pipe.synthetic_domain
    e.scope = gr.Markdown(scope_note(families, families.default), elem_id="edit-scope")
    e.input = photo_input(label="Photo", sources=["upload", "webcam", "clipboard"], elem_id="edit-input", height=300)
    with gr.Row():
        e.invert = gr.Button("Invert", variant="primary", elem_id="edit-invert", scale=2)
        e.steps = gr.Slider(0, MAX_STEPS, value=demo.default_inversion_steps(), step=10, label="Optimisation steps",
                            scale=3, elem_id="edit-steps")
        e.aligned = gr.Checkbox(label="Already an aligned face crop", value=False, scale=2)
    with gr.Row():
        e.aligned_view = gr.Image(label="Aligned input", interactive=False, elem_id="edit-aligned")
        e.recon = gr.Image(label="Reconstruction", interactive=False, elem_id="edit-recon", type="pil")
    e.fidelity = gr.Markdown()
    # a photo with a description that asks for what it does not show; the family's domain's shown
    e.examples_of = {kind: gr.Examples(edit_examples(kind), [e.input, e.text], label=(
        "Examples (cartoon faces)" if kind else "Examples (photos)"), visible=kind == synthetic)
        for kind in (True, False)}
    e.npy_in = gr.File(label="Continue from W+ codes (.npy)", file_types=[".npy"])


def _edit_result_column(e: SimpleNamespace, families: FamilyRegistry, demo) -> None:
    """The Edit tab's right column: the description and its edit, the knobs on it, downloads and comparisons."""
    strengths = demo.suggested_strengths(_first_edit_text(demo)) or {"coarse": 0.0, "middle": 1.0, "fine": 0.0}
    e.text.render()
    e.reading = gr.Markdown(elem_id="edit-reading")
    with gr.Row():
        e.go = gr.Button("Apply description", variant="primary", elem_id="edit-go")
        e.refine = gr.Slider(0, 100, value=demo.default_refine_steps(), step=5, label="Refine toward the text (steps)",
                             elem_id="edit-refine", info="0 on a real-face family: an instant global direction")
    with gr.Accordion("Global direction (StyleCLIP): strength and disentanglement", open=False,
                      visible=demo.pipe.directions is not None, elem_id="direction-panel") as e.dir_panel:
        with gr.Row():
            e.dir_neutral = gr.Textbox(label="Neutral text", value="face", scale=2)
            e.dir_alpha = gr.Slider(-15, 15, value=4, step=0.5, label="Strength", scale=2)
            e.dir_beta = gr.Slider(0.05, 0.3, value=0.12, step=0.01, label="Disentanglement", scale=2)
        e.dir_go = gr.Button("Apply as a global direction", elem_id="direction-go")
        e.dir_note = gr.Markdown()
    e.out = gr.Image(label="Edited", interactive=False, elem_id="edit-out", type="pil")
    with gr.Row():  # right under the image they change
        e.coarse, e.middle, e.fine = (
            gr.Slider(0, MAX_STRENGTH, value=strengths[g], step=0.05, label=group_label(families, g),
                      elem_id=f"slider-{g}") for g in ("coarse", "middle", "fine"))
    e.groups_note = gr.Markdown(elem_id="edit-groups-note")  # which sliders carry this edit
    choices = demo.attribute_choices()
    with gr.Accordion("Attribute sliders", open=False, visible=bool(choices),
                      elem_id="attribute-panel") as e.attr_panel:
        with gr.Row():
            e.attr_name = gr.Dropdown(choices, value=choices[0][1] if choices else None, label="Attribute",
                                      elem_id="attr-name", scale=2,
                                      allow_custom_value=True)  # the API names any family's slider
            e.attr_amount = gr.Slider(-MAX_AMOUNT, MAX_AMOUNT, value=0.0, step=0.05, label="Amount",
                                      info="on top of the description's edit; 0: the face as it is",
                                      elem_id="attr-amount", scale=3)
    e.save = gr.DownloadButton("Download W+ codes", elem_id="edit-save")
    e.live = gr.Textbox(visible="hidden", elem_id="edit-live")  # codes for the page's render
    e.server_render = gr.Button(visible="hidden", elem_id="edit-server-render")
    e.compare = gr.ImageSlider(label="Before / after: the reconstruction and the edit", type="pil", interactive=False,
                               max_height=320, elem_id="edit-compare")
    e.strip = gr.Gallery(label="What each layer group changes", columns=3, height="auto")
    e.npy_out = gr.File(visible=False)  # the API's /export_codes


def _sketch_tab() -> SimpleNamespace:
    """Sketch / label map -> faces: two drawing inputs with their examples, an optional description, a gallery."""
    s = SimpleNamespace()
    with gr.Tab("Sketch / Label", elem_id="tab-sketch"):
        with gr.Row():
            with gr.Column():
                s.sketch = sketch_input(label="Sketch (dark strokes; or upload a drawing)", type="pil",
                                        canvas_size=(256, 256), brush=gr.Brush(colors=["#000000"], default_size=3))
                gr.Examples([[str(EXAMPLES / "sketch_24.png")], [str(EXAMPLES / "sketch_58.png")]], [s.sketch])
            with gr.Column():
                palette = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in LABEL_PALETTE]
                s.label = label_input(label="Label map (upload, or paint with the legend's colours)", type="pil",
                                      canvas_size=(256, 256), elem_id="label-input",
                                      brush=gr.Brush(colors=palette, default_size=8, color_mode="fixed"))
                gr.HTML(label_legend())
                gr.Examples([[str(EXAMPLES / "label_24.png")], [str(EXAMPLES / "label_58.png")]], [s.label])
        with gr.Row():
            s.text = gr.Textbox(label="Optional description (appearance)", value="She has red hair.")
            s.n = gr.Slider(1, MAX_SAMPLES, value=4, step=1, label="Samples")
            s.seed = gr.Number(value=0, precision=0, label="Seed")
        with gr.Row():
            s.sketch_go = gr.Button("Faces from the sketch", variant="primary", elem_id="sketch-go")
            s.label_go = gr.Button("Faces from the label map", variant="primary", elem_id="label-go")
        s.gallery = gr.Gallery(label="Results", columns=4, height="auto", elem_id="mm-gallery")
    return s


def _mix_tab() -> SimpleNamespace:
    """Sentence interpolation (left) and style mixing of a random face with a description's groups (right)."""
    m = SimpleNamespace()
    with gr.Tab("Mix", elem_id="tab-mix"), gr.Row():
        with gr.Column():
            gr.Markdown("### Sentence interpolation")
            m.int_a = gr.Textbox(label="From", value="He has short black hair and a beard.")
            m.int_b = gr.Textbox(label="To", value="She has long blond hair and is smiling.")
            with gr.Row():
                m.int_steps = gr.Slider(2, 16, value=8, step=1, label="Frames")
                m.int_seed = gr.Number(value=0, precision=0, label="Seed")
            m.int_go = gr.Button("Interpolate", variant="primary", elem_id="int-go")
            m.int_strip = gr.Gallery(label="Strip", columns=4, height="auto", elem_id="int-strip")
            m.int_gif = gr.Image(label="Animation", interactive=False)
        with gr.Column():
            gr.Markdown("### Style mixing: a random face, chosen layer groups from a description")
            m.seed = gr.Number(value=3, precision=0, label="Content face (seed)")
            m.text = gr.Textbox(label="Style from", value="She has red hair and a pink background.")
            with gr.Row():
                m.coarse = gr.Slider(0, 1, value=0, step=0.05, label="coarse", elem_id="mix-coarse")
                m.middle = gr.Slider(0, 1, value=0, step=0.05, label="middle", elem_id="mix-middle")
                m.fine = gr.Slider(0, 1, value=1, step=0.05, label="fine", elem_id="mix-fine")
            m.live = gr.Textbox(visible="hidden", elem_id="mix-live")
            m.go = gr.Button("Mix", variant="primary", elem_id="mix-go")
            with gr.Row():
                m.content = gr.Image(label="Content", interactive=False)
                m.out = gr.Image(label="Mixed", interactive=False, elem_id="mix-out")
    return m


def _about_tab(families: FamilyRegistry) -> None:
    """Every family's state here and each family card's summary."""
    with gr.Tab("About", elem_id="tab-about"):
        gr.Markdown(about_markdown(families))


# ---- the wiring: each tab's events to the server's handlers; `fam` is [the family selector] -------------------------
# Every api_name is part of the app's API (gradio_client, tests/test_app.py); api_name=False: the page's own events.
QUIET = {"api_name": False, "show_progress": "hidden"}


def _wire_reading(page: gr.Blocks, server: Server, boxes: list[tuple[gr.Textbox, gr.Markdown]], fam: list) -> None:
    """Under each description box, what the family reads in it, as the user types and when the page opens."""
    for box, note in boxes:
        box.change(server.reading_note, [box, *fam], note, trigger_mode="always_last", **QUIET)
        page.load(server.reading_note, [box, *fam], note, **QUIET)


def _wire_text(server: Server, t: SimpleNamespace, fam: list) -> None:
    """Generate and the random seed; ``/read_text`` on a hidden button (the API's, no widget shows it)."""
    read_json = gr.JSON(visible=False)
    gr.Button(visible=False).click(server.read_text, [t.text, *fam], read_json, api_name="read_text")
    t.go.click(server.text_to_image, [t.text, t.n, t.seed, t.trunc, *fam], t.gallery, api_name="text_to_image",
               concurrency_limit=2)
    t.random.click(server.random_seed, None, t.seed, api_name="random_seed")


def _wire_edit(server: Server, e: SimpleNamespace, fam: list) -> None:
    """Invert, the edits, the sliders' re-renders, codes in and out, and what follows each (the download button's
    codes, the page's own render, the group note, the before / after slider)."""
    sliders = [e.session, e.coarse, e.middle, e.fine, *fam]
    inverted = e.invert.click(server.invert, [e.input, e.steps, e.aligned, *fam],
                              [e.aligned_view, e.recon, e.fidelity, e.session], api_name="invert", concurrency_limit=1)
    edited = e.go.click(server.apply_text, [e.session, e.text, e.coarse, e.middle, e.fine, e.refine, *fam],
                        [e.out, e.strip, e.session], api_name="edit", concurrency_limit=2)
    directed = e.dir_go.click(server.apply_direction, [e.session, e.text, e.dir_neutral, e.dir_alpha, e.dir_beta,
                                                       e.coarse, e.middle, e.fine, *fam],
                              [e.out, e.strip, e.session, e.dir_note], api_name="edit_direction", concurrency_limit=2)
    for done in (edited, directed):  # which group sliders carry this edit, and what the others do
        done.success(server.groups_note, [e.text, *fam], e.groups_note, **QUIET)
    # before / after: whatever the server shows as the edit, beside the reconstruction it started from
    e.out.change(server.before_after, [e.recon, e.out], e.compare, trigger_mode="always_last", **QUIET)
    e.recon.change(lambda: None, None, e.compare, queue=False, **QUIET)
    # Slider re-renders have their own queue slots (4 at a time), apart from the slow jobs; they stay queued
    # (docs/decisions.md, "Serving")
    e.text.change(server.suggest_sliders, [e.text, *fam], [e.coarse, e.middle, e.fine], trigger_mode="always_last",
                  **QUIET)
    # A user's slider move (static/slider.js sees it) is drawn in the page where the page has the codes and its
    # runtime; otherwise the script presses this hidden button and the server renders it. A suggestion moves no
    # slider by hand: it waits for "Apply description".
    slider_move = e.server_render.click(server.rerender, sliders, e.out, trigger_mode="always_last",
                                        concurrency_limit=4, concurrency_id="rerender", **QUIET)
    gr.Button(visible=False).click(server.rerender, sliders, e.out, api_name="rerender", concurrency_limit=4,
                                   concurrency_id="rerender")
    gr.Button(visible=False).click(server.export_codes, sliders, e.npy_out, api_name="export_codes")
    imported = e.npy_in.upload(server.import_codes, [e.npy_in, *fam], [e.recon, e.session], api_name="import_codes")
    # the download button always holds the codes of what the page shows: one click downloads them (after a move
    # drawn in the page, the page saves what it draws); the page gets the codes it renders moves from
    attr_move = e.attr_amount.input(server.set_attribute, [e.session, e.attr_name, e.attr_amount, e.coarse, e.middle,
                                                           e.fine, *fam], [e.out, e.session], api_name="attribute",
                                    show_progress="hidden", trigger_mode="always_last", concurrency_limit=4,
                                    concurrency_id="rerender")
    e.attr_name.input(server.attribute_amount, [e.session, e.attr_name], e.attr_amount, **QUIET)
    for done in (inverted, edited, directed, imported, attr_move):
        done.then(server.codes_file, sliders, e.save, **QUIET)
        done.then(server.edit_live, [e.session, *fam], e.live, **QUIET)
    for new_codes in (inverted, imported):  # new codes start with every attribute slider at 0
        new_codes.then(lambda: 0.0, None, e.attr_amount, **QUIET)
    slider_move.then(server.codes_file, sliders, e.save, **QUIET)
    e.live.change(None, e.live, None, js="(p) => { window.tediganSlider?.codes('edit', p); }")


def _wire_sketch(server: Server, s: SimpleNamespace, fam: list) -> None:
    """Each drawing's button to its faces."""
    s.sketch_go.click(server.from_sketch, [s.sketch, s.text, s.n, s.seed, *fam], s.gallery, api_name="from_sketch",
                      concurrency_limit=2)
    s.label_go.click(server.from_label, [s.label, s.text, s.n, s.seed, *fam], s.gallery, api_name="from_label",
                     concurrency_limit=2)


def _wire_mix(server: Server, m: SimpleNamespace, fam: list) -> None:
    """Interpolate; Mix, then the mix's codes for the page's own render of its sliders."""
    m.int_go.click(server.interpolate, [m.int_a, m.int_b, m.int_steps, m.int_seed, *fam], [m.int_strip, m.int_gif],
                   api_name="interpolate", concurrency_limit=2)
    mixed = m.go.click(server.style_mix, [m.seed, m.text, m.coarse, m.middle, m.fine, *fam], [m.content, m.out],
                       api_name="style_mix", concurrency_limit=2)
    mixed.then(server.mix_live, [m.seed, m.text, *fam], m.live, **QUIET)
    m.live.change(None, m.live, None, js="(p) => { window.tediganSlider?.codes('mix', p); }")


def _wire_family(server: Server, pick: gr.Dropdown, e: SimpleNamespace, m: SimpleNamespace) -> None:
    """A family switch: the Edit tab relabelled and reset to the new family's defaults, both page renders cleared."""
    fam = [pick]
    switched = pick.input(server.switch_family, pick, [e.coarse, e.middle, e.fine, e.session, pick, e.scope, e.refine,
                                                       e.dir_panel, e.steps], api_name="switch_family",
                          concurrency_limit=2)
    switched.then(lambda: ("", ""), None, [e.live, m.live], **QUIET)
    # the new family's panels and examples once it is loaded (a failed switch has said why, once)
    switched.success(server.attribute_panel, fam, [e.attr_panel, e.attr_name, e.attr_amount], **QUIET).then(
        server.edit_defaults, [pick, e.text], [e.text, e.examples_of[True].dataset, e.examples_of[False].dataset,
                                               e.groups_note], **QUIET)


def create_app(families: FamilyRegistry | None = None, server: Server | None = None) -> gr.Blocks:
    """The app's page, queued and ready to launch with ``page_options()``: its handlers are ``server``'s (default:
    a ``Server`` over ``families``, default ``FamilyRegistry.start`` from the environment)."""
    server = server or Server(families or FamilyRegistry.start(OUTPUTS))
    gr.set_static_paths([STATIC])
    with gr.Blocks(title="TediGAN Demo") as page:
        pick = _header(server.families)
        text, edit, sketch, mix = _text_tab(), _edit_tab(server.families), _sketch_tab(), _mix_tab()
        _about_tab(server.families)
        fam = [pick]  # every task runs on the family chosen in the selector
        _wire_reading(page, server, [(text.text, text.reading), (edit.text, edit.reading)], fam)
        _wire_text(server, text, fam)
        _wire_edit(server, edit, fam)
        _wire_sketch(server, sketch, fam)
        _wire_mix(server, mix, fam)
        _wire_family(server, pick, edit, mix)
    page.queue(max_size=64, default_concurrency_limit=2)
    return page


def main() -> None:
    """``python app.py``: the page over the environment's families, its storage pruned in the background."""
    server = Server(FamilyRegistry.start(OUTPUTS))
    page = create_app(server=server)
    threading.Thread(target=server.prune_storage_forever, name="prune-storage", daemon=True).start()
    page.launch(max_file_size=f"{MAX_UPLOAD_MB}mb", server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                **page_options())


if __name__ == "__main__":
    main()
