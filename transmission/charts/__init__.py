"""Interactive charts (plotly): pure functions of DataFrames that return a `go.Figure`.

Plotly, not bokeh: one figure renders in JupyterLab, in a Voila page and in a static HTML file
with no server behind it (bokeh's interactivity beyond pan and zoom needs a bokeh server), a
`go.FigureWidget` of the same figure updates live in a kernel (the monitor page), and its
JupyterLab renderer ships with the package. The reports keep matplotlib (static images).
"""

from transmission.charts.backtest import backtest_figure
from transmission.charts.candles import candle_minutes, candles, price_figure
from transmission.charts.equity import equity_figure, equity_frame, r_histogram_figure
from transmission.charts.zoom import visible_candles, zooming

__all__ = [
    "backtest_figure",
    "candle_minutes",
    "candles",
    "equity_figure",
    "equity_frame",
    "price_figure",
    "r_histogram_figure",
    "visible_candles",
    "zooming",
]
