// TediGAN Demo: slider moves rendered in the visitor's browser.
//
// After Invert / Apply description (Edit tab) or Mix (Mix tab) the server puts the two W+ codes the sliders mix
// into a hidden field (`#<tab>-live`, JSON: `webapp` `Server.edit_live` / `mix_live` send `BrowserRender.codes`,
// with `max_strength`, the highest strength the sliders are clamped to). This script then loads onnxruntime-web
// (its WASM build, one thread: Gradio sends no cross-origin-isolation headers) and the family's slider graph
// (`python -m tedigan_demo export-onnx`) once per page, and draws every slider move (its `input` events) to a
// canvas over the tab's image: the newest frame only, no request to the server. The download button then saves
// the codes the canvas shows. Where the runtime or the model does not load, or the codes are not the browser's to
// render (another family, a global-direction edit), the Edit tab's moves go to the server as before
// (`#edit-server-render`).
(() => {
  "use strict";
  const TABS = {
    edit: {sliders: ["#slider-coarse", "#slider-middle", "#slider-fine"], out: "#edit-out",
           server: "#edit-server-render", save: "#edit-save"},
    mix: {sliders: ["#mix-coarse", "#mix-middle", "#mix-fine"], out: "#mix-out", server: null, save: null},
  };
  const config = window.TEDIGAN_BROWSER || {};
  const MAX_FRAMES = 100;  // frame times kept (the newest), for the page's checks and bench.browser_render
  const state = {tabs: {}, models: {}, runtime: null, frames: [], frameCount: 0, failed: null};

  function absolute(url) { return new URL(url, document.baseURI).href; }

  function loadRuntime() {  // the runtime's script, once per page, only when codes first arrive
    if (!state.runtime) {
      state.runtime = new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = absolute(config.runtime + "ort.wasm.min.js");
        s.onload = () => {
          ort.env.wasm.numThreads = 1;
          ort.env.wasm.proxy = false;
          ort.env.wasm.wasmPaths = absolute(config.runtime);
          resolve(ort);
        };
        s.onerror = () => reject(new Error("onnxruntime-web did not load"));
        document.head.appendChild(s);
      });
    }
    return state.runtime;
  }

  function loadModel(url) {
    if (!state.models[url]) {
      state.models[url] = loadRuntime().then((rt) => rt.InferenceSession.create(absolute(url), {
        executionProviders: ["wasm"], graphOptimizationLevel: "all"}));
    }
    return state.models[url];
  }

  function floats(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  }

  // The hidden field changed: new codes for a tab ("" or null: none the browser renders).
  function codes(tab, payload) {
    const old = state.tabs[tab];
    if (old) hideCanvas(tab);
    delete state.tabs[tab];
    let p = null;
    try { p = payload ? JSON.parse(payload) : null; } catch (e) { p = null; }
    if (!p || !p.model || !Number.isFinite(p.max_strength)) return;  // the server renders
    const t = {content: floats(p.content), style: floats(p.style), shape: p.shape, layers: p.layers,
               model: p.model, maxStrength: p.max_strength, name: p.name || "wp.npy", session: null, busy: false,
               dirty: false, drawing: null, drawn: null};
    state.tabs[tab] = t;
    loadModel(p.model).then((session) => {
      if (state.tabs[tab] === t) t.session = session;
    }).catch((e) => { state.failed = String(e); });
  }

  // The tab's three slider values, each clamped to 0 .. the `max_strength` its codes came with (unclamped above
  // where the tab has no codes).
  function strengths(tab) {
    const t = state.tabs[tab];
    const max = t ? t.maxStrength : Infinity;
    return TABS[tab].sliders.map((sel) => {
      const root = document.querySelector(sel);
      const box = root && (root.querySelector("input[type=number]") || root.querySelector("input[type=range]"));
      const v = box ? parseFloat(box.value) : NaN;
      return Number.isFinite(v) ? Math.min(Math.max(v, 0), max) : 0;
    });
  }

  function canvasFor(tab) {
    const root = document.querySelector(TABS[tab].out);
    const img = root && root.querySelector("img");
    if (!img || !img.parentElement) return null;
    const parent = img.parentElement;
    let c = parent.querySelector("canvas.tedigan-live");
    if (!c) {
      c = document.createElement("canvas");
      c.className = "tedigan-live";
      c.id = `${tab}-live-canvas`;
      if (getComputedStyle(parent).position === "static") parent.style.position = "relative";
      parent.appendChild(c);
    }
    Object.assign(c.style, {position: "absolute", left: `${img.offsetLeft}px`, top: `${img.offsetTop}px`,
                            width: `${img.offsetWidth}px`, height: `${img.offsetHeight}px`, display: "block",
                            objectFit: "contain", imageRendering: "pixelated", pointerEvents: "none"});
    return c;
  }

  function hideCanvas(tab) {
    const root = document.querySelector(TABS[tab].out);
    const c = root && root.querySelector("canvas.tedigan-live");
    if (c) c.style.display = "none";
  }

  function paint(tab, image) {  // [1, 3, H, W] in [-1, 1] -> the canvas, as the server rounds (to_uint8)
    const c = canvasFor(tab);
    if (!c) return;
    const [, , h, w] = image.dims;
    const data = image.data;
    c.width = w;
    c.height = h;
    const ctx = c.getContext("2d");
    const px = ctx.createImageData(w, h);
    for (let i = 0; i < h * w; i++) {
      for (let ch = 0; ch < 3; ch++) {
        const v = (data[ch * h * w + i] + 1) * 127.5;
        px.data[4 * i + ch] = Math.min(255, Math.max(0, Math.round(v)));
      }
      px.data[4 * i + 3] = 255;
    }
    ctx.putImageData(px, 0, 0);
  }

  async function draw(tab) {
    const t = state.tabs[tab];
    if (t.busy) { t.dirty = true; return; }  // the newest move is drawn when this frame is done
    t.busy = true;
    try {
      do {
        t.dirty = false;
        const s = strengths(tab);
        t.drawing = s;
        const start = performance.now();
        const dims = [1, ...t.shape];
        const out = await t.session.run({
          content: new ort.Tensor("float32", t.content, dims), style: new ort.Tensor("float32", t.style, dims),
          strengths: new ort.Tensor("float32", Float32Array.from(s), [3])});
        if (state.tabs[tab] !== t) return;  // new codes came meanwhile
        paint(tab, out.image);
        state.frames.push(performance.now() - start);
        if (state.frames.length > MAX_FRAMES) state.frames.shift();
        state.frameCount += 1;
        t.drawn = s;
      } while (t.dirty);
    } finally {
      t.busy = false;
    }
  }

  function moved(tab) {
    const t = state.tabs[tab];
    if (t && t.session) { draw(tab); return; }
    const server = TABS[tab].server && document.querySelector(TABS[tab].server);
    if (server) (server.querySelector("button") || server).click();
  }

  function tabOf(event) {  // the tab whose slider an event came from, or null
    const target = event.target;
    if (!(target instanceof Element)) return null;
    const hit = Object.entries(TABS).find(([, cfg]) => cfg.sliders.some((sel) => target.closest(sel)));
    return hit ? hit[0] : null;
  }

  // Every move fires `input`: it draws (or asks the server), after the page has taken the new value.
  function onInput(event) {
    const tab = tabOf(event);
    if (tab) requestAnimationFrame(() => moved(tab));
  }

  // `change` follows the `input`s of a move, which drew it already: it draws only where the values differ from
  // the frame drawn, or under way with no newer one pending (a value set by a script and announced with `change`
  // alone).
  function onChange(event) {
    const tab = tabOf(event);
    const t = tab && state.tabs[tab];
    if (!t || !t.session) return;
    requestAnimationFrame(() => {
      if (state.tabs[tab] !== t || t.dirty) return;  // a newer frame is pending: it reads the values then
      const s = strengths(tab);
      const shown = t.busy ? t.drawing : t.drawn;
      if (!shown || shown.some((v, i) => v !== s[i])) draw(tab);
    });
  }

  // The codes the canvas shows, as the server writes them (``Demo.export_codes``): per layer the content moved
  // toward the style by its group's strength (torch.lerp's two-sided formula), float32 .npy.
  function npy(t, s) {
    const [layers, dim] = t.shape;
    const wp = new Float32Array(layers * dim);
    for (let l = 0; l < layers; l++) {
      const m = Math.fround(s[t.layers[l]]);
      for (let d = 0; d < dim; d++) {
        const a = t.content[l * dim + d], b = t.style[l * dim + d];
        const diff = Math.fround(b - a);
        wp[l * dim + d] = m < 0.5 ? Math.fround(a + Math.fround(m * diff))
                                  : Math.fround(b - Math.fround(diff * Math.fround(1 - m)));
      }
    }
    let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (1, ${layers}, ${dim}), }`;
    header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
    const head = new Uint8Array(10 + header.length);
    head.set([0x93, 78, 85, 77, 80, 89, 1, 0, header.length & 255, header.length >> 8]);
    for (let i = 0; i < header.length; i++) head[10 + i] = header.charCodeAt(i);
    return new Blob([head, wp.buffer], {type: "application/octet-stream"});
  }

  function onClick(event) {  // the download button saves what the canvas shows
    const target = event.target;
    if (!(target instanceof Element)) return;
    for (const [tab, cfg] of Object.entries(TABS)) {
      const t = state.tabs[tab];
      if (!cfg.save || !target.closest(cfg.save) || !t || !t.drawn) continue;
      event.preventDefault();
      event.stopPropagation();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(npy(t, t.drawn));
      a.download = t.name;
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }
  }

  document.addEventListener("input", onInput, true);
  document.addEventListener("change", onChange, true);
  document.addEventListener("click", onClick, true);
  window.tediganSlider = {
    codes,
    ready: (tab) => Boolean(state.tabs[tab] && state.tabs[tab].session),
    frames: () => state.frames.slice(),  // the newest MAX_FRAMES frame times (ms)
    frameCount: () => state.frameCount,  // frames drawn since the page loaded
    failed: () => state.failed,
    strengths,
  };
})();
