"""TediGAN Demo: text-guided diverse face generation and manipulation in the browser.

Widgets wired to the handlers in ``app_handlers`` (which call ``tedigan_demo.demo.Demo``); no model code here and
nothing loaded at import. Run: ``python app.py`` (or ``create_app()`` from Python and launch it).
"""

from __future__ import annotations

import mimetypes
import os
import threading

import gradio as gr

import app_handlers as h
from app_inputs import MAX_UPLOAD_MB, label_input, photo_input, sketch_input
from app_words import READING_HELP, about_table, edit_examples, group_label, scope_note
from tedigan_demo.demo import MAX_AMOUNT, MAX_SAMPLES, MAX_STEPS, MAX_STRENGTH
from tedigan_demo.loading import REPO_ROOT
from tedigan_demo.pipeline.results import MAX_TEXT_CHARS
from tedigan_demo.registry import FamilyRegistry
from tedigan_demo.synthfaces import LABEL_CLASSES, LABEL_PALETTE

# Gradio's queue rebuilds a summary of past events for its monitoring page (unused here) after every event: once
# per 1000 is plenty (docs/decisions.md, "Serving")
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")
EXAMPLES = REPO_ROOT / "examples"
TEXT_EXAMPLES = [
    "She has long blond hair, wears earrings and is smiling.",
    "He has a full beard, short black hair and wears glasses.",
    "A person with red bob-cut hair and freckles in front of a pink background.",
    "She wears sunglasses and red lipstick and has long brown hair.",
    "This man is bald, has dark skin and is looking to the left.",
]


def label_legend() -> str:
    cells = " ".join(f'<span style="display:inline-block;margin:2px 6px"><span style="display:inline-block;'
                     f'width:14px;height:14px;background:rgb{tuple(rgb)};border:1px solid #888;vertical-align:middle">'
                     f'</span> {name}</span>' for name, rgb in zip(LABEL_CLASSES, LABEL_PALETTE))
    note = "CelebAMask-HQ colour maps and single-channel class-index images work too."
    return f"<div>{cells}</div><small>{note}</small>"


def about_markdown(families: FamilyRegistry) -> str:
    from app_words import about_summary  # each family card's summary and a link to the card, not the whole card
    return f"## Model families\n\n{about_table(families)}\n\n{about_summary(families)}"


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


def create_app(families: FamilyRegistry | None = None) -> gr.Blocks:
    """The app's page over ``families`` (default: ``FamilyRegistry.start`` from the environment), queued and ready
    to launch."""
    families = h.bind(families or FamilyRegistry.start(h.OUTPUTS))
    family = families.default
    start_demo = families.demo_for(family)
    synthetic = start_demo.pipe.synthetic_domain  # the Edit tab's examples are of the family's domain
    edit_text_start = edit_examples(synthetic)[0][1]
    edit_strengths = start_demo.suggested_strengths(edit_text_start) or {"coarse": 0.0, "middle": 1.0, "fine": 0.0}
    gr.set_static_paths([STATIC])
    with gr.Blocks(title="TediGAN Demo") as demo:
        with gr.Row():
            gr.Markdown("# TediGAN Demo\nText-guided diverse face generation and manipulation "
                        "(Xia et al., CVPR 2021).")
            family_pick = gr.Dropdown(families.choices(), value=family, label="Model family",
                                      elem_id="family-pick", info="a family marked 'download' is fetched from the Hub "
                                      "when chosen; About says why one is unavailable")
        with gr.Tab("Text", elem_id="tab-text"):
            with gr.Row():
                with gr.Column(scale=2):
                    t2i_text = gr.Textbox(label="Description", lines=2, value=TEXT_EXAMPLES[0], elem_id="t2i-text",
                                          max_length=MAX_TEXT_CHARS,
                                          info=READING_HELP.format(limit=MAX_TEXT_CHARS))
                    t2i_reading = gr.Markdown(elem_id="t2i-reading")
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
            # made here, shown in the right column: the left column's examples fill it
            edit_text = gr.Textbox(label="Edit description", value=edit_text_start, elem_id="edit-text",
                                   max_length=MAX_TEXT_CHARS, render=False,
                                   info="the sliders move to the layer groups that carry what it names; "
                                        "above 1 they exaggerate the edit")
            with gr.Row():
                with gr.Column():
                    edit_scope = gr.Markdown(scope_note(families, family), elem_id="edit-scope")
                    edit_input = photo_input(label="Photo", sources=["upload", "webcam", "clipboard"],
                                             elem_id="edit-input", height=300)
                    with gr.Row():
                        edit_invert = gr.Button("Invert", variant="primary", elem_id="edit-invert", scale=2)
                        edit_steps = gr.Slider(0, MAX_STEPS, value=start_demo.default_inversion_steps(), step=10,
                                               label="Optimisation steps", scale=3, elem_id="edit-steps")
                        edit_aligned = gr.Checkbox(label="Already an aligned face crop", value=False, scale=2)
                    with gr.Row():
                        edit_aligned_view = gr.Image(label="Aligned input", interactive=False, elem_id="edit-aligned")
                        edit_recon = gr.Image(label="Reconstruction", interactive=False, elem_id="edit-recon",
                                              type="pil")
                    edit_fidelity = gr.Markdown()
                    # a photo with a description that asks for what it does not show; the family's domain's shown
                    edit_examples_of = {kind: gr.Examples(edit_examples(kind), [edit_input, edit_text], label=(
                        "Examples (cartoon faces)" if kind else "Examples (photos)"), visible=kind == synthetic)
                        for kind in (True, False)}
                    edit_npy_in = gr.File(label="Continue from W+ codes (.npy)", file_types=[".npy"])
                with gr.Column():
                    edit_text.render()
                    edit_reading = gr.Markdown(elem_id="edit-reading")
                    with gr.Row():
                        edit_go = gr.Button("Apply description", variant="primary", elem_id="edit-go")
                        edit_refine = gr.Slider(0, 100, value=start_demo.default_refine_steps(), step=5,
                                                label="Refine toward the text (steps)", elem_id="edit-refine",
                                                info="0 on a real-face family: an instant global direction")
                    with gr.Accordion("Global direction (StyleCLIP): strength and disentanglement", open=False,
                                      visible=start_demo.pipe.directions is not None,
                                      elem_id="direction-panel") as dir_panel:
                        with gr.Row():
                            dir_neutral = gr.Textbox(label="Neutral text", value="face", scale=2)
                            dir_alpha = gr.Slider(-15, 15, value=4, step=0.5, label="Strength", scale=2)
                            dir_beta = gr.Slider(0.05, 0.3, value=0.12, step=0.01, label="Disentanglement",
                                                 scale=2)
                        dir_go = gr.Button("Apply as a global direction", elem_id="direction-go")
                        dir_note = gr.Markdown()
                    edit_out = gr.Image(label="Edited", interactive=False, elem_id="edit-out", type="pil")
                    with gr.Row():  # right under the image they change
                        coarse = gr.Slider(0, MAX_STRENGTH, value=edit_strengths["coarse"], step=0.05,
                                           label=group_label(families, "coarse"), elem_id="slider-coarse")
                        middle = gr.Slider(0, MAX_STRENGTH, value=edit_strengths["middle"], step=0.05,
                                           label=group_label(families, "middle"), elem_id="slider-middle")
                        fine = gr.Slider(0, MAX_STRENGTH, value=edit_strengths["fine"], step=0.05,
                                         label=group_label(families, "fine"), elem_id="slider-fine")
                    edit_groups_note = gr.Markdown(elem_id="edit-groups-note")  # which sliders carry this edit
                    attr_choices = start_demo.attribute_choices()
                    with gr.Accordion("Attribute sliders", open=False, visible=bool(attr_choices),
                                      elem_id="attribute-panel") as attr_panel:
                        with gr.Row():
                            attr_name = gr.Dropdown(attr_choices, value=attr_choices[0][1] if attr_choices else None,
                                                    label="Attribute", elem_id="attr-name", scale=2,
                                                    allow_custom_value=True)  # the API names any family's slider
                            attr_amount = gr.Slider(-MAX_AMOUNT, MAX_AMOUNT, value=0.0, step=0.05, label="Amount",
                                                    info="on top of the description's edit; 0: the face as it is",
                                                    elem_id="attr-amount", scale=3)
                    edit_save = gr.DownloadButton("Download W+ codes", elem_id="edit-save")
                    edit_live = gr.Textbox(visible="hidden", elem_id="edit-live")  # codes for the page's render
                    edit_server_render = gr.Button(visible="hidden", elem_id="edit-server-render")
                    edit_compare = gr.ImageSlider(label="Before / after: the reconstruction and the edit",
                                                  type="pil", interactive=False, max_height=320,
                                                  elem_id="edit-compare")
                    edit_strip = gr.Gallery(label="What each layer group changes", columns=3, height="auto")
                    edit_npy_out = gr.File(visible=False)  # the API's /export_codes
        with gr.Tab("Sketch / Label", elem_id="tab-sketch"):
            with gr.Row():
                with gr.Column():
                    sk_pad = sketch_input(label="Sketch (dark strokes; or upload a drawing)", type="pil",
                                          canvas_size=(256, 256), brush=gr.Brush(colors=["#000000"], default_size=3))
                    gr.Examples([[str(EXAMPLES / "sketch_24.png")], [str(EXAMPLES / "sketch_58.png")]], [sk_pad])
                with gr.Column():
                    palette = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in LABEL_PALETTE]
                    lb_pad = label_input(label="Label map (upload, or paint with the legend's colours)", type="pil",
                                         canvas_size=(256, 256), elem_id="label-input",
                                         brush=gr.Brush(colors=palette, default_size=8, color_mode="fixed"))
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
                        mix_c = gr.Slider(0, 1, value=0, step=0.05, label="coarse", elem_id="mix-coarse")
                        mix_m = gr.Slider(0, 1, value=0, step=0.05, label="middle", elem_id="mix-middle")
                        mix_f = gr.Slider(0, 1, value=1, step=0.05, label="fine", elem_id="mix-fine")
                    mix_live = gr.Textbox(visible="hidden", elem_id="mix-live")
                    mix_go = gr.Button("Mix", variant="primary", elem_id="mix-go")
                    with gr.Row():
                        mix_content = gr.Image(label="Content", interactive=False)
                        mix_out = gr.Image(label="Mixed", interactive=False, elem_id="mix-out")
        with gr.Tab("About", elem_id="tab-about"):
            gr.Markdown(about_markdown(families))

        fam = [family_pick]  # every task runs on the family chosen in the selector
        for box, note in ((t2i_text, t2i_reading), (edit_text, edit_reading)):  # the reading as the user types
            box.change(h.reading_note, [box, *fam], note, api_name=False, show_progress="hidden",
                       trigger_mode="always_last")
            demo.load(h.reading_note, [box, *fam], note, api_name=False, show_progress="hidden")
        read_json = gr.JSON(visible=False)
        gr.Button(visible=False).click(h.read_text, [t2i_text, *fam], read_json, api_name="read_text")
        t2i_go.click(h.text_to_image, [t2i_text, t2i_n, t2i_seed, t2i_trunc, *fam], t2i_gallery,
                     api_name="text_to_image", concurrency_limit=2)
        t2i_random.click(h.random_seed, None, t2i_seed, api_name="random_seed")
        edit_invert_done = edit_invert.click(h.invert, [edit_input, edit_steps, edit_aligned, *fam],
                                             [edit_aligned_view, edit_recon, edit_fidelity, session],
                                             api_name="invert", concurrency_limit=1)
        edit_go_done = edit_go.click(h.apply_text, [session, edit_text, coarse, middle, fine, edit_refine, *fam],
                                     [edit_out, edit_strip, session], api_name="edit", concurrency_limit=2)
        dir_done = dir_go.click(h.apply_direction, [session, edit_text, dir_neutral, dir_alpha, dir_beta, coarse,
                                                    middle, fine, *fam], [edit_out, edit_strip, session, dir_note],
                                api_name="edit_direction", concurrency_limit=2)
        for done in (edit_go_done, dir_done):  # which group sliders carry this edit, and what the others do
            done.success(h.groups_note, [edit_text, *fam], edit_groups_note, api_name=False, show_progress="hidden")
        # before / after: whatever the server shows as the edit, beside the reconstruction it started from
        edit_out.change(h.before_after, [edit_recon, edit_out], edit_compare, api_name=False, show_progress="hidden",
                        trigger_mode="always_last")
        edit_recon.change(lambda: None, None, edit_compare, api_name=False, show_progress="hidden", queue=False)
        # Slider re-renders have their own queue slots (4 at a time), apart from the slow jobs; they stay queued
        # (docs/decisions.md, "Serving")
        edit_text.change(h.suggest_sliders, [edit_text, *fam], [coarse, middle, fine], api_name=False,
                         show_progress="hidden", trigger_mode="always_last")
        sliders = [session, coarse, middle, fine, *fam]
        # A user's slider move (static/slider.js sees it) is drawn in the page where the page has the codes and
        # its runtime; otherwise the script presses this hidden button and the server renders it. A suggestion
        # moves no slider by hand: it waits for "Apply description".
        slider_move = edit_server_render.click(h.rerender, sliders, edit_out, api_name=False, show_progress="hidden",
                                               trigger_mode="always_last", concurrency_limit=4,
                                               concurrency_id="rerender")
        gr.Button(visible=False).click(h.rerender, sliders, edit_out, api_name="rerender", concurrency_limit=4,
                                       concurrency_id="rerender")
        gr.Button(visible=False).click(h.export_codes, sliders, edit_npy_out, api_name="export_codes")
        edit_npy_in_done = edit_npy_in.upload(h.import_codes, [edit_npy_in, *fam], [edit_recon, session],
                                              api_name="import_codes")
        # the download button always holds the codes of what the page shows: one click downloads them (after a
        # move drawn in the page, the page saves what it draws); the page gets the codes it renders moves from
        attr_move = attr_amount.input(h.set_attribute, [session, attr_name, attr_amount, coarse, middle, fine, *fam],
                                      [edit_out, session], api_name="attribute", show_progress="hidden",
                                      trigger_mode="always_last", concurrency_limit=4, concurrency_id="rerender")
        attr_name.input(h.attribute_amount, [session, attr_name], attr_amount, api_name=False, show_progress="hidden")
        for done in (edit_invert_done, edit_go_done, dir_done, edit_npy_in_done, attr_move):
            done.then(h.codes_file, sliders, edit_save, api_name=False, show_progress="hidden")
            done.then(h.edit_live, [session, *fam], edit_live, api_name=False, show_progress="hidden")
        for new_codes in (edit_invert_done, edit_npy_in_done):  # new codes start with every attribute slider at 0
            new_codes.then(lambda: 0.0, None, attr_amount, api_name=False, show_progress="hidden")
        slider_move.then(h.codes_file, sliders, edit_save, api_name=False, show_progress="hidden")
        edit_live.change(None, edit_live, None, js="(p) => { window.tediganSlider?.codes('edit', p); }")
        sk_go.click(h.from_sketch, [sk_pad, mm_text, mm_n, mm_seed, *fam], mm_gallery, api_name="from_sketch",
                    concurrency_limit=2)
        lb_go.click(h.from_label, [lb_pad, mm_text, mm_n, mm_seed, *fam], mm_gallery, api_name="from_label",
                    concurrency_limit=2)
        int_go.click(h.interpolate, [int_a, int_b, int_steps, int_seed, *fam], [int_strip, int_gif],
                     api_name="interpolate", concurrency_limit=2)
        mix_go.click(h.style_mix, [mix_seed, mix_text, mix_c, mix_m, mix_f, *fam], [mix_content, mix_out],
                     api_name="style_mix", concurrency_limit=2).then(
            h.mix_live, [mix_seed, mix_text, *fam], mix_live, api_name=False, show_progress="hidden")
        mix_live.change(None, mix_live, None, js="(p) => { window.tediganSlider?.codes('mix', p); }")
        switched = family_pick.input(h.switch_family, family_pick, [coarse, middle, fine, session, family_pick,
                                                                    edit_scope, edit_refine, dir_panel, edit_steps],
                                     api_name="switch_family", concurrency_limit=2)
        switched.then(lambda: ("", ""), None, [edit_live, mix_live], api_name=False, show_progress="hidden")
        # the new family's panels and examples once it is loaded (a failed switch has said why, once)
        switched.success(h.attribute_panel, fam, [attr_panel, attr_name, attr_amount], api_name=False,
                         show_progress="hidden").then(
            h.edit_defaults, [family_pick, edit_text], [edit_text, edit_examples_of[True].dataset,
                                                        edit_examples_of[False].dataset, edit_groups_note],
            api_name=False, show_progress="hidden")

    demo.queue(max_size=64, default_concurrency_limit=2)
    return demo


def main() -> None:
    demo = create_app()
    threading.Thread(target=h.prune_storage_forever, name="prune-storage", daemon=True).start()
    demo.launch(max_file_size=f"{MAX_UPLOAD_MB}mb", server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                **page_options())


if __name__ == "__main__":
    main()
