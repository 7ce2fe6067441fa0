"""``Message``: its English text, whether or not the template is plain."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hsct.common.text import Message

_VALUES = st.one_of(
    st.text(max_size=8),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.builds(lambda t: Message("<{t}>", {"t": t}), st.text(max_size=5)),
)


def _reference(message: Message) -> str:
    """What ``str`` gave before its fast path: every value turned into text first."""
    return message.template.format(**{k: str(v) for k, v in message.params.items()})


@given(st.lists(_VALUES, min_size=0, max_size=4), st.text(max_size=6))
def test_plain_templates_read_as_before(values: list[object], text: str) -> None:
    text = text.replace("{", "{{").replace("}", "}}")
    names = [f"v{i}" for i in range(len(values))]
    template = text + " ".join("{" + name + "}" for name in names) + text
    message = Message(template, dict(zip(names, values, strict=True)))  # type: ignore[arg-type]
    assert str(message) == _reference(message)


def test_templates_with_a_spec_or_conversion_take_the_full_way() -> None:
    # The values are text by the time they are formatted: `!r` quotes a number, as before.
    message = Message("{n!r} and {m:>4}", {"n": 3, "m": 7})
    assert str(message) == "'3' and    7" == _reference(message)


def test_nested_messages_read_in_full() -> None:
    inner = Message("EDSS {value}", {"value": "6.5"})
    assert str(Message("{criterion}: met.", {"criterion": inner})) == "EDSS 6.5: met."


def test_to_dict_writes_nested_messages_as_dicts_and_leaves_the_message_as_it_was() -> None:
    inner = Message("EDSS {value}", {"value": "6.5"})
    outer = Message("{criterion}: met ({count} times).", {"criterion": inner, "count": 2})
    assert outer.to_dict() == {
        "text": "EDSS 6.5: met (2 times).",
        "template": "{criterion}: met ({count} times).",
        "params": {
            "criterion": {
                "text": "EDSS 6.5",
                "template": "EDSS {value}",
                "params": {"value": "6.5"},
            },
            "count": 2,
        },
    }
    assert outer.params["criterion"] is inner  # the message's own values are not replaced
