"""An OpenAI-compatible embeddings endpoint (POST /v1/embeddings) on 127.0.0.1, serving the real
ONNX MiniLM embedder the edge runtime uses, so cloud code can be pointed at it exactly as at a
provider: base URL, model name, API key.

Requests for another model get 404 `model_not_found`, a wrong or missing bearer key 401, as the
OpenAI API answers; vectors come back as floats or, when asked (the OpenAI SDK's default), as
base64 of little-endian float32. `requests` records what was asked, for assertions.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

import numpy as np

from devrel.models.onnx_embedder import MINILM_NAME, OnnxEmbedder
from support.stand_in import BackgroundHttpServer


@dataclass(frozen=True)
class EmbeddingsRequest:
    model: str
    inputs: int
    authorized: bool


class EmbeddingsServer(BackgroundHttpServer):
    def __init__(self, api_key: str, model: str = MINILM_NAME, threads: int = 1) -> None:
        self.api_key = api_key
        self.model = model
        self.requests: list[EmbeddingsRequest] = []
        self._embedder = OnnxEmbedder.from_packages(threads=threads)
        # onnxruntime sessions are shared; one batch at a time keeps the 2-core budget predictable.
        self._lock = threading.Lock()
        super().__init__(_handler(self))

    @property
    def dimension(self) -> int:
        return int(self._embedder.dimension)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"


    def answer(self, authorization: str | None, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        authorized = authorization == f"Bearer {self.api_key}"
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        self.requests.append(EmbeddingsRequest(str(body.get("model")), len(texts), authorized))
        if not authorized:
            return 401, _error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        if body.get("model") != self.model:
            return 404, _error(f"The model `{body.get('model')}` does not exist.", "invalid_request_error",
                               "model_not_found")
        if not texts or not all(isinstance(text, str) and text for text in texts):
            return 400, _error("'input' must be a non-empty string or array of strings.", "invalid_request_error",
                               None)
        if body.get("dimensions") not in (None, self.dimension):
            return 400, _error("This model does not support specifying dimensions.", "invalid_request_error", None)
        with self._lock:
            vectors = np.asarray(self._embedder.embed(texts), dtype="<f4")
        as_base64 = body.get("encoding_format") == "base64"
        data = [
            {"object": "embedding", "index": i,
             "embedding": base64.b64encode(row.tobytes()).decode() if as_base64 else row.tolist()}
            for i, row in enumerate(vectors)
        ]
        tokens = sum(len(text.split()) for text in texts)
        return 200, {"object": "list", "data": data, "model": self.model,
                     "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def _error(message: str, kind: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _handler(server: EmbeddingsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            if self.path.rstrip("/") != "/v1/embeddings":
                status, payload = 404, _error(f"Unknown request URL: POST {self.path}", "invalid_request_error", None)
            else:
                try:
                    status, payload = server.answer(self.headers.get("authorization"), json.loads(raw))
                except ValueError:
                    status, payload = 400, _error("We could not parse the JSON body.", "invalid_request_error", None)
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
