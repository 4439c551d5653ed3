"""Every page of the app in teaching order: one table for the navigation and the home page's cards."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    file: str          # the page's script, relative to app.py
    title: str
    icon: str
    url_path: str      # "" for the home page
    section: str
    blurb: str         # one line for the home page's card


PAGES = (
    PageInfo("pages/home.py", "Home", ":material/home:", "", "Start", "What a recurrent network is."),
    PageInfo("pages/step_through.py", "Step through", ":material/skip_next:", "step-through", "Recurrent networks",
             "JAZZ or Kennedy one step at a time, with the real numbers in every equation."),
    PageInfo("pages/unrolled.py", "Unrolled graph", ":material/account_tree:", "unrolled-graph", "Recurrent networks",
             "The loop unrolled over time: activations forward, gradients backward."),
    PageInfo("pages/shapes.py", "The five shapes", ":material/category:", "five-shapes", "Recurrent networks",
             "One-to-one to many-to-many: each drawn, trained with one click, its result shown."),
    PageInfo("pages/gates.py", "LSTM & GRU gates", ":material/tune:", "lstm-gru-gates", "Inside the cell",
             "Every gate over time as a heatmap, your text coloured by a unit, how saturated the gates are."),
    PageInfo("pages/gradients.py", "Vanishing & exploding gradients", ":material/show_chart:", "vanishing-gradients",
             "Inside the cell", "How far back the gradient reaches in RNN, LSTM and GRU; eigenvalues, clipping, "
             "memory."),
    PageInfo("pages/training.py", "Live training", ":material/model_training:", "live-training", "Learning",
             "Start, pause, step: the loss, the gradients, the weights and the predictions as the network learns."),
)


def sections():
    """{section: [PageInfo, ...]} in teaching order."""
    out = {}
    for page in PAGES:
        out.setdefault(page.section, []).append(page)
    return out
