"""`python -m bot site --out DIR`: the knowledge as a static bilingual website.

Nothing in the bot imports this package: it reads the same knowledge snapshot and events the
chat serves, and writes files any web host can serve.
"""
