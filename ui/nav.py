"""Every page of the app in teaching order: one table for the navigation and the home page's cards.

The page scripts live in ``app_pages/``, not ``pages/``: a folder named ``pages`` beside ``app.py`` makes
Streamlit 1.6x route a fresh server's first visit with its legacy router, which skips ``app.py`` (no
navigation, no page config) or shows "Page not found" (DESIGN.md §8).
"""

from dataclasses import dataclass

FOLDER = "app_pages"


@dataclass(frozen=True)
class PageInfo:
    stem: str          # the script app_pages/<stem>.py
    title: str
    icon: str
    url_path: str      # "" for the home page
    section: str
    blurb: str         # one line for the home page's card

    @property
    def file(self):
        """The script's path relative to app.py."""
        return f"{FOLDER}/{self.stem}.py"


PAGES = (
    PageInfo("home", "Home", ":material/home:", "", "Start", "What a recurrent network is."),
    PageInfo("step_through", "Step through", ":material/skip_next:", "step-through", "Recurrent networks",
             "JAZZ or Kennedy one step at a time, with the real numbers in every equation."),
    PageInfo("unrolled", "Unrolled graph", ":material/account_tree:", "unrolled-graph", "Recurrent networks",
             "The loop unrolled over time: activations forward, gradients backward."),
    PageInfo("shapes", "The five shapes", ":material/category:", "five-shapes", "Recurrent networks",
             "One-to-one to many-to-many: each drawn, trained with one click, its result shown."),
    PageInfo("gates", "LSTM & GRU gates", ":material/tune:", "lstm-gru-gates", "Inside the cell",
             "Every gate over time as a heatmap, your text coloured by a unit, how saturated the gates are."),
    PageInfo("gradients", "Vanishing & exploding gradients", ":material/show_chart:", "vanishing-gradients",
             "Inside the cell", "How far back the gradient reaches in RNN, LSTM and GRU; eigenvalues, clipping, "
             "memory."),
    PageInfo("training", "Live training", ":material/model_training:", "live-training", "Learning",
             "Start, pause, step: the loss, the gradients, the weights and the predictions as the network learns."),
)


def sections():
    """{section: [PageInfo, ...]} in teaching order."""
    out = {}
    for page in PAGES:
        out.setdefault(page.section, []).append(page)
    return out
