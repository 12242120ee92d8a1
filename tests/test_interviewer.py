import httpx
import openai
import pytest
from fakes import ScriptedChatModel

from bot.bank import Question
from bot.interview import Reply
from bot.interviewer import REPLY_TOKENS, Context, LLMInterviewer, PlainInterviewer
from bot.prompts import load_prompts
from bot.scoring import Criterion, Score
from bot.tokens import count_message_tokens, count_tokens

FOLLOW_UP = "Which statistical test, and what threshold?"
SAID = "You named data drift well. Which test would you run per feature, and at what threshold?"
SAID_PIECES = ["You ", "named ", "data ", "drift ", "well. ", "Which ", "test ", "would ", "you ", "run ", "per ",
               "feature, ", "and ", "at ", "what ", "threshold?"]
FEEDBACK_PIECES = ["Good ", "split ", "of ", "drift ", "kinds; ", "add ", "a ", "response ", "plan."]
TIMEOUT = openai.APITimeoutError(request=httpx.Request("POST", "http://127.0.0.1/v1"))

QUESTION = Question.model_validate(
    {
        "id": "q1", "topic": "mlops_monitor_retrain", "subtopic": "drift", "type": "scenario",
        "levels": ["mid", "senior"], "difficulty": 2, "minutes": 8,
        "question": "How do you detect drift in a fraud model?",
        "rubric": [
            {"id": "kinds", "weight": 3, "point": "Separates data drift, concept drift and label drift."},
            {"id": "tests", "weight": 2, "point": "Uses PSI or a KS test per feature with a threshold."},
            {"id": "response", "weight": 1, "point": "Investigates, retrains and validates before promotion."},
        ],
        "red_flags": ["Retraining daily fixes all drift."],
        "level_signals": {"mid": "Tests.", "senior": "Response plan."},
        "follow_ups": [
            {"question": "Which kinds of drift are there?", "targets": ["kinds"]},
            {"question": FOLLOW_UP, "targets": ["tests"]},
        ],
        "reference_answer": "Data drift, concept drift, label drift; PSI per feature; investigate and retrain.",
        "tags": ["drift"],
    }
)
SCORE = Score(
    question_id="q1", score=67, band="solid", level="mid",
    criteria=[
        Criterion(point_id="kinds", point=QUESTION.rubric[0].point, weight=3, credit="full",
                  evidence="data drift and concept drift"),
        Criterion(point_id="tests", point=QUESTION.rubric[1].point, weight=2, credit="partial", evidence="PSI"),
        Criterion(point_id="response", point=QUESTION.rubric[2].point, weight=1, credit="none"),
    ],
    feedback="Covered well: kinds.\nPartly covered (tests): a full answer uses PSI or a KS test per feature.",
)
ANSWERS = ("There is data drift and concept drift.", "I would watch PSI.")
CONTEXT = Context(level="senior", mode="coach", question=QUESTION, answers=ANSWERS, score=SCORE)
CRITERIA = "\n".join([
    '- kinds (full): Separates data drift, concept drift and label drift. Evidence: "data drift and concept drift"',
    '- tests (partial): Uses PSI or a KS test per feature with a threshold. Evidence: "PSI"',
    "- response (none): Investigates, retrains and validates before promotion.",
])

PROMPTS = load_prompts()
SYSTEM = PROMPTS.render("interviewer.system", level="senior", mode="coach")
FOLLOW_UP_USER = PROMPTS.render("follow_up.user", question=QUESTION.question, answer="\n".join(ANSWERS),
                                follow_up=FOLLOW_UP)
FEEDBACK_USER = PROMPTS.render(
    "feedback.user", question=QUESTION.question, score=67, band="solid", level="mid", criteria=CRITERIA,
    reference_excerpt=QUESTION.reference_answer,
)


def voice(*script, budget=6000):
    chat = ScriptedChatModel(script=list(script))
    return LLMInterviewer(chat, PROMPTS, token_budget=budget), chat


def sent(chat):
    return [[(message.type, message.content) for message in messages] for messages in chat.sent]


PLAIN_REPLIES = [
    Reply("question", "Question 1 of 3: How do you detect drift in a fraud model?"),
    Reply("follow_up", FOLLOW_UP),
    Reply("hint", "Hint: Which kinds of drift are there? (A hint is noted in the score.)"),
    Reply("repeat", "How do you detect drift in a fraud model?"),
    Reply("feedback", "Score 67/100 (solid).\nCovered well: kinds."),
    Reply("notice", "This interview has ended. Start a new one to keep practising."),
    Reply("finished", "That is the end of the interview. Here is your report."),
]


@pytest.mark.parametrize("reply", PLAIN_REPLIES, ids=[reply.kind for reply in PLAIN_REPLIES])
def test_plain_interviewer_says_every_reply_unchanged_in_one_piece(reply):
    interviewer = PlainInterviewer()
    assert list(interviewer.speak(reply, CONTEXT)) == [reply.text]
    assert (interviewer.tokens_used, interviewer.failures) == (0, [])


def test_plain_interviewer_has_no_closing_summary():
    assert list(PlainInterviewer().summarize("Overall: 50/100", "mid")) == []


def test_follow_up_is_streamed_in_the_models_words_piece_by_piece():
    interviewer, chat = voice(SAID)
    pieces = list(interviewer.speak(Reply("follow_up", FOLLOW_UP), CONTEXT))
    assert pieces == SAID_PIECES
    assert "".join(pieces) == SAID
    assert sent(chat) == [[("system", SYSTEM), ("human", FOLLOW_UP_USER)]]
    assert (interviewer.tokens_used, interviewer.failures) == (120, [])


def test_feedback_opens_with_the_fixed_score_line_then_the_models_words_on_the_grading():
    interviewer, chat = voice("Good split of drift kinds; add a response plan.")
    pieces = list(interviewer.speak(Reply("feedback", "Score 67/100 (solid).\nCovered well: kinds."), CONTEXT))
    assert pieces == ["Score 67/100 (solid).\n"] + FEEDBACK_PIECES
    assert sent(chat) == [[("system", SYSTEM), ("human", FEEDBACK_USER)]]
    assert interviewer.tokens_used == 120


@pytest.mark.parametrize(
    "reply", [r for r in PLAIN_REPLIES if r.kind not in ("follow_up", "feedback")],
    ids=[r.kind for r in PLAIN_REPLIES if r.kind not in ("follow_up", "feedback")],
)
def test_other_replies_are_said_plainly_without_calling_the_model(reply):
    interviewer, chat = voice()
    assert list(interviewer.speak(reply, CONTEXT)) == [reply.text]
    assert (chat.sent, interviewer.tokens_used, interviewer.failures) == ([], 0, [])


@pytest.mark.parametrize(
    ("reply", "context"),
    [
        (Reply("follow_up", FOLLOW_UP), Context(level="mid", mode="coach")),
        (Reply("feedback", "Score 67/100 (solid)."), Context(level="mid", mode="coach", question=QUESTION)),
    ],
    ids=["follow-up-without-a-question", "feedback-without-a-score"],
)
def test_replies_without_what_the_model_needs_are_said_plainly(reply, context):
    interviewer, chat = voice()
    assert list(interviewer.speak(reply, context)) == [reply.text]
    assert chat.sent == []


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (TIMEOUT, "the model did not answer in time"),
        (openai.APIConnectionError(request=httpx.Request("POST", "http://127.0.0.1/v1")),
         "the model server could not be reached"),
        (RuntimeError("boom"), "the model call failed (RuntimeError)"),
    ],
    ids=["timeout", "unreachable", "unexpected-error"],
)
def test_follow_up_falls_back_to_the_plain_words_when_the_model_fails(error, reason):
    interviewer, chat = voice(error)
    assert list(interviewer.speak(Reply("follow_up", FOLLOW_UP), CONTEXT)) == [FOLLOW_UP]
    assert interviewer.failures == [reason]
    assert sent(chat) == [[("system", SYSTEM), ("human", FOLLOW_UP_USER)]]
    # Nothing was reported by the server, so the request is estimated with tiktoken.
    assert interviewer.tokens_used == count_message_tokens([SYSTEM, FOLLOW_UP_USER])


def test_feedback_falls_back_to_the_scores_offline_feedback_when_the_model_fails():
    interviewer, _ = voice(TIMEOUT)
    pieces = list(interviewer.speak(Reply("feedback", "Score 67/100 (solid)."), CONTEXT))
    assert pieces == ["Score 67/100 (solid).\n", SCORE.feedback]
    assert interviewer.failures == ["the model did not answer in time"]
    assert interviewer.tokens_used == count_message_tokens([SYSTEM, FEEDBACK_USER])


def test_token_count_adds_up_over_calls():
    interviewer, _ = voice(SAID, TIMEOUT, "Good split of drift kinds; add a response plan.")
    for kind in ("follow_up", "follow_up", "feedback"):
        list(interviewer.speak(Reply(kind, FOLLOW_UP), CONTEXT))
    assert interviewer.tokens_used == 120 + count_message_tokens([SYSTEM, FOLLOW_UP_USER]) + 120
    assert interviewer.failures == ["the model did not answer in time"]


def test_a_long_answer_is_cut_to_the_token_budget_keeping_its_latest_words():
    words = [f"point{n}" for n in range(3000)]
    context = Context(level="mid", mode="interview", question=QUESTION, answers=(" ".join(words[:1500]),
                                                                                " ".join(words[1500:])))
    interviewer, chat = voice(SAID, budget=1000)
    list(interviewer.speak(Reply("follow_up", FOLLOW_UP), context))

    [(_, system), (_, user)] = sent(chat)[0]
    assert system == PROMPTS.render("interviewer.system", level="mid", mode="interview")
    assert count_message_tokens([system, user]) <= 1000 - REPLY_TOKENS
    kept = user.split("<answer>\n", 1)[1].split("\n</answer>", 1)[0]
    first = kept.removeprefix("…").split(" ", 1)[0]
    start = words.index(first)
    assert kept == "…" + " ".join(words[start:])
    assert start > 1500  # only the latest answer's end fits
    assert user == PROMPTS.render("follow_up.user", question=QUESTION.question, answer=kept, follow_up=FOLLOW_UP)


def test_an_answer_inside_the_budget_is_sent_whole():
    answer = " ".join(f"point{n}" for n in range(100))
    context = Context(level="mid", mode="coach", question=QUESTION, answers=(answer,))
    interviewer, chat = voice(SAID, budget=1000)
    list(interviewer.speak(Reply("follow_up", FOLLOW_UP), context))
    assert sent(chat)[0][1] == ("human", PROMPTS.render("follow_up.user", question=QUESTION.question, answer=answer,
                                                        follow_up=FOLLOW_UP))


def test_summary_is_the_models_words_on_the_report():
    interviewer, chat = voice("You are solid on drift; drill alert routing next.")
    pieces = list(interviewer.summarize("Overall: 67/100 (solid)", "senior"))
    assert pieces == ["You ", "are ", "solid ", "on ", "drift; ", "drill ", "alert ", "routing ", "next."]
    assert sent(chat) == [[
        ("system", PROMPTS.render("interviewer.system", level="senior", mode="interview")),
        ("human", PROMPTS.render("report.user", level="senior", results="Overall: 67/100 (solid)")),
    ]]
    assert interviewer.tokens_used == 120


def test_summary_is_nothing_when_the_model_fails():
    interviewer, _ = voice(TIMEOUT)
    assert list(interviewer.summarize("Overall: 67/100 (solid)", "senior")) == []
    assert interviewer.failures == ["the model did not answer in time"]
    assert interviewer.tokens_used == count_message_tokens([
        PROMPTS.render("interviewer.system", level="senior", mode="interview"),
        PROMPTS.render("report.user", level="senior", results="Overall: 67/100 (solid)"),
    ])


def test_a_failure_after_some_words_keeps_them_and_adds_the_plain_words_on_a_new_line():
    class FailingMidway(ScriptedChatModel):
        def _stream(self, messages, stop=None, run_manager=None, **kwargs):
            chunks = super()._stream(messages, stop, run_manager, **kwargs)
            yield next(chunks)
            yield next(chunks)
            raise TIMEOUT

    chat = FailingMidway(script=[SAID])
    interviewer = LLMInterviewer(chat, PROMPTS)
    assert list(interviewer.speak(Reply("follow_up", FOLLOW_UP), CONTEXT)) == ["You ", "named ", "\n" + FOLLOW_UP]
    assert interviewer.failures == ["the model did not answer in time"]
    assert interviewer.tokens_used == count_message_tokens([SYSTEM, FOLLOW_UP_USER]) + count_tokens("You named ")


def test_feedback_ends_with_the_scores_notes_in_plain_words():
    noted = SCORE.model_copy(update={"notes": ["1 hint(s) used, toward: kinds."]})
    interviewer, _ = voice("Good split of drift kinds; add a response plan.")
    context = Context(level="senior", mode="coach", question=QUESTION, answers=ANSWERS, score=noted)
    pieces = list(interviewer.speak(Reply("feedback", "Score 67/100 (solid)."), context))
    assert pieces == ["Score 67/100 (solid).\n"] + FEEDBACK_PIECES + ["\nNote: 1 hint(s) used, toward: kinds."]
