"""Chat models for the LLM engine: the only module that imports langchain_openai and openai."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ValidationError

from bot.errors import BotError
from bot.settings import Settings

Schema = TypeVar("Schema", bound=BaseModel)
NO_KEY = "not-needed"  # local servers (llama.cpp, Ollama, vLLM) ignore the key but the client needs one


class LLMError(BotError):
    """The chat model failed or replied with something unusable; the message is one sentence."""


@dataclass(frozen=True)
class Usage:
    """Tokens a call used, as the server reported them (zero when it did not)."""

    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens


def chat_model(settings: Settings, http_client: httpx.Client | None = None) -> BaseChatModel:
    """The configured OpenAI-compatible chat model, with the settings' timeout and retry bound."""
    return ChatOpenAI(
        model=settings.model,
        api_key=settings.openai_api_key or NO_KEY,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_retries,
        temperature=0,
        stream_usage=True,
        http_client=http_client,
    )


def messages_for(system: str, user: str) -> list[BaseMessage]:
    """A system and a user message."""
    return [SystemMessage(system), HumanMessage(user)]


def ask_structured(chat: BaseChatModel, messages: list[BaseMessage], schema: type[Schema]) -> tuple[Schema, Usage]:
    """The model's reply validated into `schema`, and the tokens used; LLMError on any failure."""
    runnable = chat.with_structured_output(schema, method="json_schema", include_raw=True)
    try:
        result = runnable.invoke(messages)
    except Exception as error:  # the SDK raises many kinds; every one means "fall back"
        raise LLMError(describe_failure(error)) from error
    raw = result.get("raw")
    usage = usage_of(raw) if isinstance(raw, AIMessage) else Usage()
    parsed = result.get("parsed")
    if result.get("parsing_error") is not None or parsed is None:
        raise LLMError("the model's reply did not match the expected JSON structure")
    return parsed, usage


def stream_text(chat: BaseChatModel, messages: list[BaseMessage], usage: list[Usage]) -> Iterator[str]:
    """The model's reply piece by piece; appends the tokens used to `usage`. LLMError on failure."""
    try:
        for chunk in chat.stream(messages):
            if chunk.usage_metadata:
                usage.append(usage_of(chunk))
            if chunk.text:
                yield chunk.text
    except Exception as error:
        raise LLMError(describe_failure(error)) from error


def usage_of(message: AIMessage) -> Usage:
    """The token counts a reply reports."""
    meta = message.usage_metadata or {}
    return Usage(int(meta.get("input_tokens", 0)), int(meta.get("output_tokens", 0)))


def describe_failure(error: BaseException) -> str:
    """One sentence on why a model call failed, for the fallback note."""
    if isinstance(error, openai.APITimeoutError):
        return "the model did not answer in time"
    if isinstance(error, openai.RateLimitError):
        return "the model server is rate limiting requests (HTTP 429)"
    if isinstance(error, openai.AuthenticationError):
        return "the model server rejected the API key (HTTP 401)"
    if isinstance(error, openai.APIStatusError):
        return f"the model server returned HTTP {error.status_code}"
    if isinstance(error, openai.APIConnectionError):
        return "the model server could not be reached"
    if isinstance(error, (ValidationError, json.JSONDecodeError, ValueError)):
        return "the model's reply did not match the expected JSON structure"
    return f"the model call failed ({type(error).__name__})"
