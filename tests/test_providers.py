"""The real OpenAI client under LangChain, over httpx.MockTransport: exact requests, errors, fallbacks."""

import json

import httpx
import pytest
from fakes import completion_body, stream_body
from test_llm_grader import ANSWER, GOOD_REPLY, QUESTION_ID, RecordingFallback

from bot.llm_grader import GradeReply, LLMGrader
from bot.prompts import load_prompts
from bot.providers import LLMError, Usage, ask_structured, chat_model, messages_for, stream_text
from bot.settings import Settings

BASE_URL = "http://127.0.0.1:9/v1"  # never contacted: the mock transport answers


class Recorder:
    """A MockTransport handler replying from a script and keeping each request."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        return response

    def body(self, n: int = 0) -> dict:
        return json.loads(self.requests[n].content)


def mocked_chat(recorder: Recorder, **settings):
    settings = Settings(openai_base_url=BASE_URL, model="gpt-test", llm_retries=0, **settings)
    return chat_model(settings, http_client=httpx.Client(transport=httpx.MockTransport(recorder)))


def test_scoring_request_is_a_json_schema_chat_completion(shipped_bank):
    recorder = Recorder(httpx.Response(200, json=completion_body(GOOD_REPLY)))
    grader = LLMGrader(mocked_chat(recorder), "gpt-test", load_prompts(), RecordingFallback())
    score = grader.score(shipped_bank.get(QUESTION_ID), ANSWER)
    request = recorder.requests[0]
    body = recorder.body()
    assert (request.method, request.url.path) == ("POST", "/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer not-needed"
    assert body["model"] == "gpt-test" and body["temperature"] == 0
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][1]["content"].endswith(f"<answer>\n{ANSWER}\n</answer>")
    schema = body["response_format"]["json_schema"]
    assert body["response_format"]["type"] == "json_schema" and schema["name"] == "GradeReply"
    assert schema["schema"]["required"] == ["points", "red_flags", "comment"]
    assert (score.engine, score.score, grader.tokens_used) == ("llm", 45, 340)


def test_api_key_is_sent_when_configured():
    recorder = Recorder(httpx.Response(200, json=completion_body('{"points": [], "red_flags": [], "comment": ""}')))
    chat = mocked_chat(recorder, openai_api_key="sk-test-123")
    reply, usage = ask_structured(chat, messages_for("s", "u"), GradeReply)
    assert recorder.requests[0].headers["authorization"] == "Bearer sk-test-123"
    assert (reply.points, usage) == ([], Usage(300, 40))


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(429, json={"error": {"message": "slow down", "type": "rate_limit"}}),
         "the model server is rate limiting requests (HTTP 429)"),
        (httpx.Response(500, json={"error": {"message": "boom"}}), "the model server returned HTTP 500"),
        (httpx.Response(401, json={"error": {"message": "bad key"}}), "the model server rejected the API key (HTTP 401)"),
        (httpx.ReadTimeout("timed out"), "the model did not answer in time"),
        (httpx.ConnectError("refused"), "the model server could not be reached"),
        (httpx.Response(200, json=completion_body("Sure! Here is the grading: full marks.")),
         "the model's reply did not match the expected JSON structure"),
        (httpx.Response(200, json=completion_body('{"points": "all", "red_flags": [], "comment": ""}')),
         "the model's reply did not match the expected JSON structure"),
    ],
    ids=["429", "500", "401", "timeout", "refused", "prose-not-json", "wrong-shape"],
)
def test_http_failures_and_malformed_replies_fall_back_with_the_answer_kept(shipped_bank, response, reason):
    recorder = Recorder(response)
    fallback = RecordingFallback()
    grader = LLMGrader(mocked_chat(recorder), "gpt-test", load_prompts(), fallback)
    score = grader.score(shipped_bank.get(QUESTION_ID), ANSWER)
    assert len(recorder.requests) == 1  # max_retries=0: one attempt
    assert fallback.calls == [(QUESTION_ID, ANSWER, ())]
    assert score.notes == [f"The LLM grader failed ({reason}); this score comes from the offline grader."]


def test_retries_are_bounded_by_the_setting():
    recorder = Recorder(*[httpx.Response(500, json={"error": {"message": "boom"}}) for _ in range(3)])
    settings = Settings(openai_base_url=BASE_URL, llm_retries=2)
    chat = chat_model(settings, http_client=httpx.Client(transport=httpx.MockTransport(recorder)))
    with pytest.raises(LLMError) as raised:
        ask_structured(chat, messages_for("s", "u"), GradeReply)
    assert str(raised.value) == "the model server returned HTTP 500"
    assert len(recorder.requests) == 3  # the first attempt and two retries


def test_interviewer_reply_streams_piece_by_piece_and_counts_tokens():
    recorder = Recorder(
        httpx.Response(200, text=stream_body(["Good start. ", "Which PSI ", "threshold?"]),
                       headers={"content-type": "text/event-stream"})
    )
    usage: list[Usage] = []
    pieces = list(stream_text(mocked_chat(recorder), messages_for("persona", "ask"), usage))
    assert pieces == ["Good start. ", "Which PSI ", "threshold?"]
    assert recorder.body()["stream"] is True
    assert recorder.body()["stream_options"] == {"include_usage": True}
    assert usage == [Usage(50, 3)]


def test_stream_failure_raises_one_sentence_error():
    recorder = Recorder(httpx.Response(503, json={"error": {"message": "overloaded"}}))
    with pytest.raises(LLMError) as raised:
        list(stream_text(mocked_chat(recorder), messages_for("persona", "ask"), []))
    assert str(raised.value) == "the model server returned HTTP 503"
