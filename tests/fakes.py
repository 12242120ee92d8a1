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
