"""Every page of the app in teaching order: one table for the sidebar's navigation and the home page's cards.

The page scripts live in ``pages/`` and Streamlit routes them by file name (``pages/step_through.py`` →
``/step_through``); ``app.py`` is the home page. Streamlit's own page list is switched off
(``client.showSidebarNavigation = false``): every page draws the same navigation through
``ui.shell.page_shell``, so a page opened first by its URL on a fresh server looks as it does when reached
through the navigation (DESIGN.md §8).
"""

from dataclasses import dataclass

FOLDER = "pages"


@dataclass(frozen=True)
class PageInfo:
    stem: str          # the script pages/<stem>.py; "home" is app.py
    title: str
    icon: str
    section: str
    blurb: str         # one line for the home page's card

    @property
    def file(self):
        """The script's path relative to app.py."""
        return "app.py" if self.stem == "home" else f"{FOLDER}/{self.stem}.py"

    @property
    def url_path(self):
        """The page's address after the server's root: its file name ("" for the home page)."""
        return "" if self.stem == "home" else self.stem


PAGES = (
    PageInfo("home", "Home", ":material/home:", "Start", "What a recurrent network is."),
    PageInfo("step_through", "Step through", ":material/skip_next:", "Recurrent networks",
             "JAZZ or Kennedy one step at a time, with the real numbers in every equation."),
    PageInfo("unrolled", "Unrolled graph", ":material/account_tree:", "Recurrent networks",
             "The loop unrolled over time: activations forward, gradients backward."),
    PageInfo("shapes", "The five shapes", ":material/category:", "Recurrent networks",
             "One-to-one to many-to-many: each drawn, trained with one click, its result shown."),
    PageInfo("gates", "LSTM & GRU gates", ":material/tune:", "Inside the cell",
             "Every gate over time as a heatmap, your text coloured by a unit, how saturated the gates are."),
    PageInfo("gradients", "Vanishing & exploding gradients", ":material/show_chart:", "Inside the cell",
             "How far back the gradient reaches in RNN, LSTM and GRU; eigenvalues, clipping, memory."),
    PageInfo("training", "Live training", ":material/model_training:", "Learning",
             "Start, pause, step: the loss, the gradients, the weights and the predictions as the network learns."),
    PageInfo("attention", "Attention", ":material/translate:", "Sequence to sequence",
             "English to French: the attention map crosses where the words reorder; the decoder word by word."),
    PageInfo("generate", "Generate", ":material/edit_note:", "Character models",
             "A character model writes: prime, temperature, top-k; samples taken as it trains."),
    PageInfo("explorer", "Hidden-state explorer", ":material/manage_search:", "Character models",
             "What the units track: text coloured by a unit, select and match, units against features."),
)


def sections():
    """{section: [PageInfo, ...]} in teaching order."""
    out = {}
    for page in PAGES:
        out.setdefault(page.section, []).append(page)
    return out
