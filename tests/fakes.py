"""Fakes that record what they were sent: a scripted chat model for the LLM path."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableLambda
from pydantic import ValidationError


class ScriptedChatModel(BaseChatModel):
    """Replies from a script, in order; an Exception in the script is raised instead. Records every request."""

    script: list[Any] = []
    sent: list[list[BaseMessage]] = []
    usage: dict[str, int] = {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _next(self, messages: list[BaseMessage]) -> str:
        self.sent.append(list(messages))
        if not self.script:
            raise AssertionError("the scripted chat model ran out of replies")
        reply = self.script.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        message = AIMessage(content=self._next(messages), usage_metadata=self.usage)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        text = self._next(messages)
        words = text.split(" ")
        for n, word in enumerate(words):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word + (" " if n < len(words) - 1 else "")))
        yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=self.usage))

    def with_structured_output(self, schema, *, include_raw: bool = False, **kwargs):
        """Like ChatOpenAI's json_schema mode: the reply's text parsed into `schema`."""

        def run(messages):
            raw = self.invoke(messages)
            try:
                return {"raw": raw, "parsed": schema.model_validate_json(raw.content), "parsing_error": None}
            except ValidationError as error:
                return {"raw": raw, "parsed": None, "parsing_error": error}

        return RunnableLambda(run)


def completion_body(content: str, model: str = "served-model") -> dict:
    """An OpenAI chat.completion response carrying `content`."""
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340},
    }


def stream_body(pieces: list[str], model: str = "served-model") -> str:
    """An OpenAI chat.completion.chunk event stream carrying `pieces`, then usage, then [DONE]."""
    events = [
        {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": model,
         "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        for piece in pieces
    ]
    events.append({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": model, "choices": [],
                   "usage": {"prompt_tokens": 50, "completion_tokens": len(pieces), "total_tokens": 50 + len(pieces)}})
    return "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n"


class LoopbackOpenAI:
    """A small OpenAI-compatible chat server on 127.0.0.1 for the wire: it grades every rubric point
    "partial" quoting the answer's first words, streams a fixed interviewer line, and records requests."""

    INTERVIEWER_WORDS = ["Thanks, ", "that helps. ", "Tell me more."]

    def __init__(self):
        import http.server
        import threading

        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if self.path != "/v1/chat/completions":
                    self.send_error(404)
                    return
                if body.get("stream"):
                    payload, kind = stream_body(server.INTERVIEWER_WORDS).encode(), "text/event-stream"
                else:
                    payload, kind = json.dumps(completion_body(server.grade(body))).encode(), "application/json"
                self.send_response(200)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.requests: list[tuple[str, dict, dict]] = []
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @staticmethod
    def grade(body: dict) -> str:
        import re

        user = body["messages"][-1]["content"]
        point_ids = re.findall(r"^- ([a-z0-9-]+) \(weight ", user, re.M)
        answer = user.rsplit("<answer>\n", 1)[1].split("\n</answer>")[0]
        evidence = " ".join(answer.split()[:5])
        points = [{"point_id": p, "credit": "partial", "evidence": evidence} for p in point_ids]
        return json.dumps({"points": points, "red_flags": [], "comment": "Solid start; be more specific."})

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
