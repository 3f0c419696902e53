"""What every figure of the kit shares: colours, fonts (Japanese labels need a font with
Japanese glyphs), and how a figure is made and saved."""

from __future__ import annotations

import re
from pathlib import Path

# pyplot only creates the figures (and is closed at once): going through it lets Jupyter's
# inline backend register its display hook, so a returned Figure shows exactly once. With
# no display, matplotlib falls back to Agg by itself.
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..i18n import current

DPI = 120
INVOCATION = "#1f77b4"
FAILED = "#d62728"
NO_REPORT = "#7f7f7f"
WAITING = "#ffbf66"
BLOCKING = "#9467bd"
STEP_FUNCTIONS = "#2ca02c"
CAVEAT = "#8a1c1c"
TALK = "#222222"
LABEL_BOX = {"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5}
# IPAexGothic (matplotlib-fontja) for Japanese labels; matplotlib's default otherwise.
JA_FONT = "IPAexGothic"


def file_safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:60] or "execution"


def wrapped_name(name: str, width: int = 16) -> str:
    """``name`` on lines of at most ``width`` characters, broken after its dashes: a
    tick label keeps the whole name, so runs that differ only in their time stamp and
    random tail ("chat-1203T070344-6ab12c") can be told apart and found in other cells."""
    lines: list[str] = []
    for piece in re.split(r"(?<=-)", name):
        if lines and len(lines[-1]) + len(piece) <= width:
            lines[-1] += piece
        else:
            lines += [piece[i : i + width] for i in range(0, len(piece), width)]
    return "\n".join(lines)


def use_fonts() -> None:
    """Japanese labels need a font with Japanese glyphs; the text keeps the font it was
    created with, so choosing before the figure's text is made is enough."""
    if current() == "ja":
        import matplotlib_fontja  # noqa: F401  (registers IPAexGothic with matplotlib)

        plt.rcParams["font.family"] = [JA_FONT]
    elif plt.rcParams["font.family"] == [JA_FONT]:
        plt.rcParams["font.family"] = ["sans-serif"]


def new_figure(figsize: tuple[float, float], ncols: int = 1) -> tuple[Figure, list[Axes]]:
    use_fonts()
    fig, axes = plt.subplots(1, ncols, figsize=figsize, squeeze=False)
    plt.close(fig)  # no second, automatic display at the end of the cell
    return fig, list(axes[0])


def caveat_box(fig: Figure, caveat: str | None) -> None:
    """``caveat`` (if any) in a red box under the figure: part of the picture, so that a
    saved PNG carries it wherever it is shown."""
    if caveat:
        fig.text(
            0.5,
            -0.01,
            caveat,
            ha="center",
            va="top",
            fontsize=10,
            color=CAVEAT,
            bbox={"facecolor": "#fff3f3", "edgecolor": CAVEAT, "pad": 4},
        )


def finish_figure(fig: Figure, output_dir: Path | str | None, filename: str) -> Figure:
    fig.tight_layout()
    if output_dir is not None:
        path = Path(output_dir)
        path.mkdir(parents=True, exist_ok=True)
        fig.savefig(path / filename, dpi=DPI, bbox_inches="tight")
    return fig
