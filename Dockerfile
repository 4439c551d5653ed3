# Unrolled for a class: `make serve` in a container (REPLICAS Streamlit processes behind HAProxy, one port).
#   docker build -t unrolled .
#   docker run --rm -p 8501:8501 -e REPLICAS=2 unrolled        # then open http://localhost:8501
FROM python:3.11-slim

# HAProxy from Debian's own package, as `make serve` uses on a host
RUN apt-get update \
    && apt-get install -y --no-install-recommends haproxy \
    && rm -rf /var/lib/apt/lists/*

# one BLAS thread per replica (the replicas are the parallelism); no .pyc litter; logs straight out
ENV OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    REPLICAS=2

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --create-home --uid 10001 unrolled && mkdir -p /app/logs && chown unrolled /app/logs
USER unrolled

EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"

# exec: the launcher is PID 1 and gets SIGTERM from `docker stop`, which stops HAProxy and every replica
CMD ["sh", "-c", "exec python -m deploy.serve --host 0.0.0.0 --port 8501 --replica-port 8511 --replicas ${REPLICAS} --logs /app/logs"]
