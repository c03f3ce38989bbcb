"""Daily and weekly reports: parameterised notebooks run by papermill, published as HTML.

`params` checks a request before any kernel starts, `content` reads what a report shows,
`tables` and `figures` draw it, `runner` executes and converts a notebook, `schedule` runs them
unattended. Nothing is imported here so that a report kernel loads only what it uses.
"""
