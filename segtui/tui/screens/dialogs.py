"""Small modal dialogs: a one-line prompt, yes/no, save/discard/cancel, and an error box.

Every text shown here can carry user data (segment names, rules, paths, core messages),
so none of it is read as Textual markup: "VIP [top]" must not lose its "[top]", and
control characters in it are shown escaped (``printable``), never sent to the terminal.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Literal

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Static

from segtui.display import printable, printable_lines

__all__ = ["forward_early_key", "ChoiceScreen", "PathSuggester", "PathInput", "PromptScreen", "ConfirmScreen", "UnsavedChangesScreen", "ErrorScreen", "UnsavedChoice"]

UnsavedChoice = Literal["save", "discard", "cancel"]
#: keys a prompt received before its Input was mounted (``forward_early_key``), in order
_EARLY_KEYS = "_segtui_early_keys"


class PromptInput(Input):
    """An Input that clears with ctrl+u in the order the keys came.

    As a binding, ctrl+u would run only once the key has bubbled up to the app, after
    the characters typed behind it had already been inserted (and it would erase them).
    """

    def key_ctrl_u(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.action_delete_left_all()

    #: whether this Input has typed the keys its screen kept for it (``forward_early_key``)
    took_early_keys = False

    def on_mount(self) -> None:
        # typed here and now, before any key the app sends it later
        early: list[events.Key] = getattr(self.screen, _EARLY_KEYS, None) or []
        setattr(self.screen, _EARLY_KEYS, None)
        self.took_early_keys = True
        for key in early:
            self.type_key(key)
        if early:  # the user is typing already: focusing must not select what they typed
            self.select_on_focus = False
            self.focus()

    def type_key(self, key: events.Key) -> None:
        """What this Input does with ``key`` (text, ctrl+u), done at once rather than queued."""
        if key.key == "ctrl+u":
            self.action_delete_left_all()
        elif key.is_printable and key.character is not None:
            self.insert_text_at_cursor(key.character)
        else:
            self.post_message(key)


class PathInput(PromptInput):
    """A PromptInput where tab accepts the path completion instead of moving focus."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("tab", "cursor_right", "Complete", show=False)]


def forward_early_key(screen: ModalScreen, event: events.Key) -> None:
    """A key that reached ``screen`` before its Input had focus goes to the Input.

    Keys typed right after the key that opened a prompt (``x``, then ``ctrl+u`` and a
    path) arrive while the new screen is still mounting: with nothing focused they would
    be dropped, or worse, run the main screen's keys. Those that come before the Input
    is even mounted (a busy machine) are kept on the screen, and the PromptInput types
    them when it mounts, ahead of any key after it. Escape and enter keep their meaning.
    """
    if event.key in ("escape", "enter", "tab"):
        return
    inputs = screen.query(PromptInput)
    waiting: list[events.Key] | None = getattr(screen, _EARLY_KEYS, None)
    if inputs and screen.focused is not None and waiting is None:
        return
    event.stop()
    event.prevent_default()
    key = events.Key(event.key, event.character)
    if not inputs or not inputs.first().took_early_keys:
        setattr(screen, _EARLY_KEYS, [*(waiting or []), key])
        return
    inputs.first().focus()
    inputs.first().post_message(key)


class PathSuggester(Suggester):
    """Complete the last part of a path to an existing file or folder (folders get a "/").

    Examples
    --------
    >>> import asyncio, tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "rules").mkdir(); _ = (root / "rfm.yaml").write_text("")
    >>> asyncio.run(PathSuggester().get_suggestion(f"{root}/ru")) == f"{root}/rules/"
    True
    >>> asyncio.run(PathSuggester().get_suggestion(f"{root}/rf")) == f"{root}/rfm.yaml"
    True
    >>> asyncio.run(PathSuggester().get_suggestion(f"{root}/zz")) is None
    True
    """

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        head, _, prefix = value.rpartition("/")
        folder = Path(head or ("/" if value.startswith("/") else ".")).expanduser()
        try:
            names = sorted(entry.name + ("/" if entry.is_dir() else "") for entry in os.scandir(folder))
        except OSError:
            return None
        for name in names:
            if name.startswith(prefix) and name != prefix and not (name.startswith(".") and not prefix.startswith(".")):
                return value + name[len(prefix):]
        return None


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text (a name, a path); ``check`` returns a problem or None.

    With ``path=True`` the text is a path: it completes to existing files and folders
    (tab or → accepts) and the prefilled text is not selected, so typing adds to it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        value: str = "",
        *,
        placeholder: str = "",
        check: Callable[[str], str | None] | None = None,
        hint: str = "enter: OK · esc: cancel",
        details: str = "",
        path: bool = False,
    ) -> None:
        super().__init__()
        self._path = path
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._check = check
        self._hint = hint
        self._details = details

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(printable(self._title), classes="dialog-title", markup=False)
            if self._path:
                yield PathInput(self._value, placeholder=self._placeholder, id="prompt-input",
                                suggester=PathSuggester(), select_on_focus=False)
            else:
                yield PromptInput(self._value, placeholder=self._placeholder, id="prompt-input")
            yield Static("", id="prompt-problem", classes="problem", markup=False)
            details = Static(printable_lines(self._details), id="prompt-details", classes="details", markup=False)
            details.display = bool(self._details)
            yield details
            yield Static(self._hint, classes="hint")

    def show_details(self, text: str) -> None:
        """Replace the lines below the input (figures a worker computed after the dialog opened)."""
        details = self.query_one("#prompt-details", Static)
        details.update(printable_lines(text))
        details.display = bool(text)

    def on_key(self, event: events.Key) -> None:
        forward_early_key(self, event)

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        problem = self._check(value) if self._check else None
        if problem:
            self.query_one("#prompt-problem", Static).update(printable(problem))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; y/enter confirms, n/escape declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self._question = question
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(printable(self._question), classes="dialog-title", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(f"{self._yes} (y)", id="yes", variant="error")
                yield Button(f"{self._no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class UnsavedChangesScreen(ModalScreen[UnsavedChoice]):
    """Unsaved rule changes: save them, throw them away, or go back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "choose('save')", "Save"),
        Binding("d", "choose('discard')", "Discard"),
        Binding("c,escape", "choose('cancel')", "Cancel"),
    ]

    def __init__(self, question: str = "The rule set has unsaved changes.") -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._question, classes="dialog-title", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save (s)", id="save", variant="primary")
                yield Button("Discard (d)", id="discard", variant="error")
                yield Button("Cancel (c)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(event.button.id or "cancel")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)  # type: ignore[arg-type]


class ErrorScreen(ModalScreen[None]):
    """A SegtuiError's title and one-line message (never a traceback)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, title: str, message: str, button: str = "OK") -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._button = button

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield Label(printable(self._title), classes="dialog-title", markup=False)
            yield Static(printable_lines(self._message), classes="problem", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self._button, id="close", variant="primary")

    @on(Button.Pressed)
    def _pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """A problem with a few ways out: one button (and key 1, 2, …) per choice, q/esc for none."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "choose(None)", "Quit"),
        *(Binding(str(n), f"choose({n - 1})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, title: str, message: str, choices: list[tuple[str, str]], none: str = "Quit") -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._choices = choices
        self._none = none

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield Label(printable(self._title), classes="dialog-title", markup=False)
            yield Static(printable(self._message), markup=False)
            with Horizontal(classes="buttons"):
                for n, (_, label) in enumerate(self._choices, start=1):
                    yield Button(f"{printable(label)} ({n})", id=f"choice-{n - 1}", variant="primary")
                yield Button(f"{self._none} (q)", id="choice-none")

    def on_mount(self) -> None:
        self.query_one("#choice-0", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        choice = (event.button.id or "").removeprefix("choice-")
        self.action_choose(None if choice == "none" else int(choice))

    def action_choose(self, index: int | None) -> None:
        if index is None:
            self.dismiss(None)
        elif index < len(self._choices):
            self.dismiss(self._choices[index][0])
