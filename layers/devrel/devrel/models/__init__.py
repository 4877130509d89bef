"""Model adapters: the LLM and Embedder ports over OpenAI-compatible endpoints and local models.

Nothing here is imported by handlers at cold start; `devrel.models.factory` builds the adapters
from settings when a runtime needs them.
"""
