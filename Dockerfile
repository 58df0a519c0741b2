# The same steps as the README's manual install.
FROM python:3.11-slim
WORKDIR /app
RUN useradd --create-home --uid 1000 bot
COPY pyproject.toml README.md constraints.txt ./
COPY bot/ bot/
RUN pip install --no-cache-dir -c constraints.txt .
COPY knowledge/ knowledge/
COPY schedules/ schedules/
COPY config.example.yaml ./
RUN mkdir -p data && chown bot:bot data
USER bot
# Embed the bundled knowledge at build time, so the first start answers by meaning at once.
RUN python -m bot ask "what is SB 54" >/dev/null
VOLUME ["/app/data"]
STOPSIGNAL SIGTERM
# `health` asks the running bot (GET /healthz) when health.port is set in the config, and runs
# the offline checks otherwise.
HEALTHCHECK --interval=60s --timeout=10s CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot", "run"]
