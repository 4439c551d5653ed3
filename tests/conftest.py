import sys
from pathlib import Path

# the tests import the project's packages from a fresh clone without installing them
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
