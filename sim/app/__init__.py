"""The teaching page: a class moves a control and sees what changes against what would have
happened.

``make app`` serves :mod:`sim.app.page` with Solara. The page's logic lives in modules that import
neither Solara nor a browser, so it is tested directly:

- :mod:`sim.app.controls`: the controls, their allowed values (checked on the server), the Hydra
  overrides they stand for and the settings link;
- :mod:`sim.app.runs`: a whole run computed once per setting (and its counterfactual), its frames
  and its event timeline;
- :mod:`sim.app.charts`: the Plotly figures, drawn in the browser;
- :mod:`sim.app.frames`: every year of a run for the browser, sent once (Step, Play and the
  year slider run in the browser: :class:`sim.app.widget.RunView`);
- :mod:`sim.app.memory`: the server's memory, given back when sessions end;
- :mod:`sim.app.classroom`: class sessions (a teacher, a join code, one nation per student).
"""
