"""The course diagrams' colours, used on every page: inputs orange, hidden purple, outputs green;
weights and gradients blue where positive and red where negative."""

INPUT = "#F28E2B"
HIDDEN = "#8E6BBF"
OUTPUT = "#59A14F"
POSITIVE = "#2B6CB0"
NEGATIVE = "#C53030"
MUTED = "#A0AEC0"
TEXT = "#1A202C"

#: a diverging scale for signed values: red (negative), white (zero), blue (positive)
DIVERGING = [[0.0, NEGATIVE], [0.5, "#FFFFFF"], [1.0, POSITIVE]]
#: a sequential scale for values in [0, 1] (gates, probabilities, attention)
SEQUENTIAL = [[0.0, "#FFFFFF"], [1.0, HIDDEN]]

FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=15, color=TEXT)


def rgba(hex_color, alpha):
    """``#RRGGBB`` with an alpha channel, as Plotly's ``rgba(r, g, b, a)``."""
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {max(0.0, min(1.0, alpha)):.3f})"


def sign_color(value):
    return POSITIVE if value >= 0 else NEGATIVE


def base_layout(fig, height=None, title=None):
    """Shared look: white background, large readable type for projectors, small margins."""
    fig.update_layout(template="plotly_white", font=FONT, margin=dict(l=10, r=10, t=50 if title else 20, b=10),
                      title=title, height=height, hoverlabel=dict(font_size=15))
    return fig
