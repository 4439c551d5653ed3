"""Benchmarks and the PyTorch parity check: ``python -m bench [name ...]`` (see ``bench/__main__.py``)."""
