"""What a toggle does between the key and the repaint: which work it starts, in which
order, and which labels it keeps (pilot tests on the fixture data; nothing is timed)."""

from __future__ import annotations

import copy
import threading

from textual.pilot import Pilot

from segtui.errors import SegtuiError
from segtui.evaluate import Evaluator
from segtui.tui.app import SegtuiApp
from segtui.tui.editing import NodeRef
from segtui.tui.session import Session

from .conftest import run, settle, type_text
from .test_app import select, tree_labels


def _spy_on_details(app: SegtuiApp, monkeypatch) -> list[tuple[str | None, bool]]:  # noqa: ANN001
    """Record (segment, counts already painted) for every members refresh the app starts."""
    calls: list[tuple[str | None, bool]] = []
    detail = Session.detail

    def spy(self: Session, ruleset, segment, dimension):  # noqa: ANN001, ANN202
        calls.append((segment, app.latency_ms is not None))
        return detail(self, ruleset, segment, dimension)

    monkeypatch.setattr(Session, "detail", spy)
    return calls


def _expected_labels(app: SegtuiApp) -> list[str]:
    """The tree's labels for the app's rule set with counts from a fresh evaluator."""
    fresh = Evaluator(app.session.frame).evaluate(copy.deepcopy(app.ruleset))
    tree = app.main.tree
    tree.update_counts(
        fresh.segments.rows(named=True), fresh.rules.rows(named=True),
        fresh.universe_customers, fresh.universe_revenue, fresh.no_segment_customers,
    )
    return tree_labels(app)


def test_a_toggle_refreshes_the_members_once_after_the_counts_are_painted(fixture_app: SegtuiApp, monkeypatch) -> None:
    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("rule", 0, 1))
        calls = _spy_on_details(fixture_app, monkeypatch)
        fixture_app.latency_ms = None
        await pilot.press("space")
        await settle(pilot)
        # Not first the whole universe (the cursor passing the root while the tree is
        # rebuilt is no selection), and not while the UI thread is painting the counts.
        assert calls == [("Loyal", True)]

    run(fixture_app, scenario)


def test_a_toggle_keeps_the_labels_it_cannot_change(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        tree = fixture_app.main.tree
        await select(pilot, NodeRef("rule", 1, 0))  # Lapsed: recency_days > 60
        before = [tree.get_node_at_line(i) for i in range(tree.last_line + 1)]
        await pilot.press("space")
        await settle(pilot)
        after = [tree.get_node_at_line(i) for i in range(tree.last_line + 1)]
        assert after == before  # the same nodes: no rebuild for a toggle
        # The root and Loyal (before Lapsed in first_match) keep their labels: not drawn again.
        assert [n.label for n in after[:4]] == [n.label for n in before[:4]]
        assert tree_labels(fixture_app) == _expected_labels(fixture_app)
        assert "☐ recency_days > 60" in tree_labels(fixture_app)[5]

    run(fixture_app, scenario)


def test_counts_after_an_edit_then_a_toggle_are_the_edited_rule_sets(fixture_app: SegtuiApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("rule", 0, 0))  # Loyal: orders >= 3
        await pilot.press("e", "ctrl+u")
        await type_text(pilot, "orders >= 4")
        await pilot.press("enter")
        await settle(pilot)
        await select(pilot, NodeRef("rule", 0, 1))
        await pilot.press("space")  # Loyal is now orders >= 4 alone: B only
        await settle(pilot)
        labels = tree_labels(fixture_app)
        assert labels == _expected_labels(fixture_app)
        assert labels[2].startswith("☑ orders >= 4  1")  # the edited rule's own count
        assert labels[1].startswith("☑ Loyal  1 ·")
        await pilot.press("space")  # and back: both rules, A and B
        await settle(pilot)
        assert tree_labels(fixture_app) == _expected_labels(fixture_app)
        assert tree_labels(fixture_app)[1].startswith("☑ Loyal  1 ·")

    run(fixture_app, scenario)


def test_while_a_toggle_is_evaluated_only_the_counts_it_cannot_change_are_shown(fixture_app: SegtuiApp, monkeypatch) -> None:
    release = threading.Event()
    evaluate = Session.evaluate

    def held(self: Session, ruleset):  # noqa: ANN001, ANN202
        release.wait(10)
        return evaluate(self, ruleset)

    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("rule", 0, 0))  # Loyal: orders >= 3
        shown = tree_labels(fixture_app)
        monkeypatch.setattr(Session, "evaluate", held)
        await pilot.press("space")
        await pilot.pause()
        waiting = tree_labels(fixture_app)
        release.set()
        await settle(pilot)
        assert waiting[0] == shown[0]  # the universe did not change
        assert waiting[1] == "☑ Loyal"  # Loyal, Lapsed and Unassigned will: no count meanwhile
        assert waiting[2] == "☐ orders >= 3"
        assert waiting[3] == shown[3]  # recency_days <= 60 alone matches the same customers
        assert waiting[4] == "☑ Lapsed" and waiting[6] == "Unassigned"
        assert tree_labels(fixture_app) == _expected_labels(fixture_app)

    run(fixture_app, scenario)


def test_a_failed_evaluation_leaves_no_count_on_screen(fixture_app: SegtuiApp, monkeypatch) -> None:
    def fails(self: Session, ruleset):  # noqa: ANN001, ANN202
        raise SegtuiError("cannot evaluate rule: broken", title="Bad rule")

    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("rule", 1, 0))
        monkeypatch.setattr(Session, "evaluate", fails)
        await pilot.press("space")
        await settle(pilot)
        labels = tree_labels(fixture_app)
        assert labels[0] == "Fixture tiers" and labels[1] == "☑ Loyal" and labels[-1] == "Unassigned"

    run(fixture_app, scenario)


def test_a_toggle_is_counted_while_the_members_of_the_last_selection_are_still_listed(fixture_app: SegtuiApp, monkeypatch) -> None:
    listing, release = threading.Event(), threading.Event()
    members = Evaluator.members

    def slow(self: Evaluator, ruleset, segment):  # noqa: ANN001, ANN202
        listing.set()
        release.wait(10)  # a members refresh that takes long (1M customers)
        return members(self, ruleset, segment)

    async def scenario(pilot: Pilot) -> None:
        await select(pilot, NodeRef("segment", 0))
        monkeypatch.setattr(Evaluator, "members", slow)
        await pilot.press("down")  # to Loyal's first rule: its members are being listed
        for _ in range(200):
            if listing.is_set():
                break
            await pilot.pause(0.01)
        shown = fixture_app.evaluation
        await pilot.press("space")
        for _ in range(200):
            if fixture_app.evaluation is not shown:
                break
            await pilot.pause(0.01)
        counted = fixture_app.evaluation is not shown
        release.set()
        await settle(pilot)
        assert counted, "the toggle's counts waited for the members refresh"
        assert tree_labels(fixture_app) == _expected_labels(fixture_app)

    run(fixture_app, scenario)
