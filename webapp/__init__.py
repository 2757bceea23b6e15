"""The Gradio app's own side, beside ``app.py`` (the Space's entry, which lays the page out and wires it):
``handlers`` (``Server``, whose methods are the event handlers), ``inputs`` (the image inputs, and the editor's value
as one image) and ``words`` (what the page says). The ``tedigan_demo`` package never imports it, nor Gradio."""
