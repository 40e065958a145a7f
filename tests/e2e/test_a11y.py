#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a screen reader finds in every window, checked through the accessibility tree.

The app runs as in the visit test (run-e2e.sh starts this script instead when it is given its
name): a real server and store, the real app under Xvfb, AT-SPI through python3-dogtail. The
main window and each dialog are opened from the keyboard, and in each:

- every control (button, field, check box, combo, tab…) has a name, and a clean one: not GTK's
  fallback (the widget's type name), no mnemonic underscore ("_Sign"), not said twice
  ("Cancel Cancel", or a label property joined to the label it is labelled by);
- no empty label is on screen (a screen reader reads it as "GtkLabel");
- Tab walks through the window and every stop is announced: a focus event comes for a named
  node each time (an AdwEntryRow under GTK 4.8 takes the focus without one, and a Tab that
  goes nowhere is caught too);
- a disabled Sign says why in text, not only in a tooltip.

Every problem found is listed before the test fails.
"""

import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_visit as visit  # noqa: E402  the server, the store and the tree helpers
from dogtail import rawinput  # noqa: E402

CONTROL_ROLES = {
    "push button", "toggle button", "check box", "radio button", "combo box", "text", "entry",
    "password text", "spin button", "slider", "page tab", "menu item", "check menu item",
    "radio menu item", "link", "switch",
}
# GTK 4.8 gives an unnamed node its type name (GtkLabel, AdwGizmo…)
TYPE_NAME = re.compile(r"^(Gtk|Adw|Hc)[A-Z][A-Za-z]*$")
problems = []


def real_name(node):
    name = node.name or ""
    return "" if TYPE_NAME.match(name) else name


def is_visible(node):
    try:
        return node.visible
    except Exception:
        return False


def on_screen(node):
    """GTK 4.8 reports no SHOWING state, but a widget that is not mapped (on a page of a
    stack that is not shown, say) has no size."""
    try:
        width, height = node.size
        return width > 0 and height > 0
    except Exception:
        return False


def path_of(node):
    """Where a node is: its nearest ancestors (GTK's type names say what an unnamed one is),
    the nearest named one and its window, for the report."""
    parts = []
    named = False
    try:
        node = node.parent
        while node is not None and node.roleName != "application":
            name = node.name or ""
            is_window = node.parent is not None and node.parent.roleName == "application"
            if is_window or len(parts) < 3 or (real_name(node) and not named):
                parts.append(f"{node.roleName} {name!r}" if name else node.roleName)
                named = named or bool(real_name(node))
            node = node.parent
    except Exception:
        pass
    return "in " + " < ".join(parts)


def focused_node(top):
    """The node that says it has the focus, by walking the tree (slow)."""
    try:
        nodes = top.findChildren(lambda n: n.focused)
        return nodes[-1] if nodes else None
    except Exception:
        return None


def labelled_by(node):
    names = []
    try:
        for relation in node.getRelationSet():
            if relation.getRelationType().value_nick != "labelled-by":
                continue
            for i in range(relation.getNTargets()):
                target = relation.getTarget(i)
                if target is not None and real_name(target):
                    names.append(real_name(target))
    except Exception:
        pass
    return names


def said_twice(name):
    words = name.split()
    half = len(words) // 2
    return len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]


def name_problem(node):
    """What is wrong with a control's name, or None."""
    name = real_name(node)
    if not name:
        return "has no name"
    if "_" in name:
        return f"has a mnemonic underscore in its name {name!r}"
    if said_twice(name):
        return f"says its name twice: {name!r}"
    labels = labelled_by(node)
    if labels and name != " ".join(labels):
        return f"joins a label to what labels it: {name!r}, labelled by {labels!r}"
    return None


def check_tree(where, top):
    """The static checks over every visible node under @top (GTK 4.8 keeps the pages of a
    stack that are not shown in the tree too: they are checked as well)."""
    count = 0

    def walk(node, depth):
        nonlocal count
        if depth > 60 or not is_visible(node):
            return
        count += 1
        role = node.roleName
        if role in CONTROL_ROLES:
            problem = name_problem(node)
            if problem is not None:
                problems.append(f"{where}: {role} {problem} ({path_of(node)})")
        elif role == "label" and not real_name(node) and on_screen(node):
            problems.append(f"{where}: an empty label is in the tree ({path_of(node)})")
        for child in node.children:
            walk(child, depth + 1)

    walk(top, 0)
    print(f"# {where}: {count} visible nodes checked", flush=True)


class FocusEvents:
    """AT-SPI focus events, as a screen reader gets them."""

    def __init__(self):
        import pyatspi
        self.pyatspi = pyatspi
        self.events = []
        pyatspi.Registry.registerEventListener(self.on_event, "object:state-changed:focused")

    def on_event(self, event):
        if event.detail1 == 1:
            self.events.append(event.source)

    def pump(self):
        from gi.repository import GLib
        context = GLib.MainContext.default()
        while context.iteration(False):
            pass

    def clear(self):
        self.pump()
        self.events = []

    def next(self, timeout=2.0):
        deadline = time.monotonic() + timeout * visit.TIMEOUT_SCALE
        while time.monotonic() < deadline:
            self.pump()
            if self.events:
                # the last one: a press can pass through a container on its way
                time.sleep(0.15)
                self.pump()
                source = self.events[-1]
                self.events = []
                return source
            time.sleep(0.05)
        return None


def node_key(node):
    try:
        return (node.roleName, node.name, node.indexInParent, node.parent.name)
    except Exception:
        return None


def tab_walk(where, top, focus, presses=60):
    """Tab through the window: every stop is announced with a named node, until the focus
    comes back to where it started."""
    focus.clear()
    first = None
    stops = 0
    misses = 0
    multi_line = False
    for _ in range(presses):
        # Tab types a tab in a text area; Ctrl+Tab leaves it
        if multi_line:
            rawinput.keyCombo("<Control>Tab")
        else:
            rawinput.pressKey("Tab")
        node = focus.next()
        if node is None:
            misses += 1
            if misses == 1:
                visit.shot("a11y-lost-focus-" + where.replace(" ", "-"))
            seen = focused_node(top)
            seen_text = (f"the tree says {seen.roleName} {seen.name!r} {path_of(seen)} has it"
                         if seen is not None else "no node in the tree has it")
            problems.append(f"{where}: Tab after stop {stops} brought no focus event "
                            f"({seen_text})")
            if misses == 3:
                problems.append(f"{where}: gave up the Tab walk")
                break
            continue
        misses = 0
        try:
            multi_line = node.getState().contains(focus.pyatspi.STATE_MULTI_LINE)
        except Exception:
            multi_line = False
        key = node_key(node)
        if first is None:
            first = key
        elif key == first:
            break   # round the window once
        stops += 1
        role = node.roleName
        name = real_name(node)
        print(f"#   stop {stops}: {role} {node.name!r}", flush=True)
        if role == "list item" and not name:
            # a list row is read by its content
            name = " ".join(real_name(c) for c in node.children if real_name(c))
        if not name:
            problems.append(f"{where}: Tab stop {stops} ({role}) has no name ({path_of(node)})")
        elif role in CONTROL_ROLES:
            problem = name_problem(node)
            if problem is not None:
                problems.append(f"{where}: Tab stop {stops} ({role}) {problem}")
    print(f"# {where}: {stops} Tab stops", flush=True)


def expect(problem, predicate, timeout=10.0):
    """Waits for @predicate like visit.wait_for, but notes @problem instead of failing."""
    deadline = time.monotonic() + timeout * visit.TIMEOUT_SCALE
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.2)
    problems.append(problem)


def check_window(where, win, focus, shot_name):
    visit.shot(f"a11y-{shot_name}")
    check_tree(where, win)
    tab_walk(where, win, focus)


def open_window(keys, name_prefix):
    rawinput.keyCombo(keys)
    return visit.window(name_prefix)


def close_window(name_prefix, keys="Escape"):
    if keys.startswith("<"):
        rawinput.keyCombo(keys)
    else:
        rawinput.pressKey(keys)
    visit.wait_for(f"the window {name_prefix} to close",
                   lambda: not visit.windows_named(name_prefix))


def main():
    import subprocess
    from dogtail.config import config
    from dogtail.tree import root

    config.searchCutoffCount = 3
    config.defaultDelay = 0.2
    config.actionDelay = 0.2
    config.typingDelay = 0.02

    visit.step("a server with a panel and a store logged in to it")
    server = visit.Server()
    store = visit.new_store(server, "laptop")

    env = dict(os.environ)
    env.pop("HOUSECALL_PASSPHRASE", None)
    if os.environ.get("HC_E2E_APP_G_DEBUG"):
        env["G_DEBUG"] = os.environ["HC_E2E_APP_G_DEBUG"]
    app_proc = subprocess.Popen([visit.APP, "--store", store], env=env)
    try:
        app = visit.wait_for("the app on the accessibility bus",
                             lambda: root.application("housecall"), timeout=30)
        visit.current_app = app
        visit.current_proc = app_proc
        focus = FocusEvents()
        passphrase = lambda: visit.find(app, role="password text", name="Store passphrase")  # noqa: E731
        visit.focused("the passphrase field", passphrase)

        visit.step("the locked window")
        main_window = visit.window("Housecall")
        check_window("locked window", main_window, focus, "locked")

        visit.step("unlock; the patient list and a chart")
        visit.tab_to("the passphrase field", passphrase)
        rawinput.keyCombo("<Control>a")
        rawinput.typeText(visit.PASSPHRASE)
        rawinput.pressKey("Return")
        visit.focused("the patient search",
                      lambda: visit.find(app, role="entry", name="Search patients"))
        visit.need(app, "today's schedule", role="push button", name="Book an Appointment")
        check_tree("main window, schedule", main_window)
        rawinput.typeText("quell")
        visit.need(app, "the search result", contains="Quellenbach")
        rawinput.pressKey("Return")
        visit.need(app, "the chart header", role="label", contains="Quellenbach")
        check_window("main window, chart", main_window, focus, "chart")

        visit.step("the order dialog")
        visit.click(app, "the Order button", name="Order")
        dialog = visit.window("New Order")
        visit.focused("the order search",
                      lambda: visit.find(dialog, role="entry", name="Search the order catalog"))
        check_tree("order dialog, nothing chosen yet", dialog)
        rawinput.typeText("a1c")
        visit.need(dialog, "the HbA1c match", contains="Hemoglobin A1c (HbA1c)")
        rawinput.pressKey("Return")
        visit.need(dialog, "the reason for the order", role="text", name="Reason for the order")
        check_window("order dialog", dialog, focus, "order")
        close_window("New Order")

        visit.step("the prescribe dialog, with a severe warning")
        visit.click(app, "the Prescribe button", name="Prescribe")
        dialog = visit.window("Prescribe")
        visit.focused("the formulary search",
                      lambda: visit.find(dialog, role="entry", name="Search the formulary"))
        rawinput.typeText("amox")
        visit.need(dialog, "the amoxicillin match", contains="amoxicillin")
        rawinput.pressKey("Return")
        visit.need(dialog, "the allergy warning", contains="Allergy: Penicillin")
        expect("prescribe dialog: Sign is disabled and no text says why",
               lambda: visit.find(dialog, role="label", contains="needs a reason for overriding"))
        check_window("prescribe dialog", dialog, focus, "prescribe")
        close_window("Prescribe")

        visit.step("the encounter editor")
        visit.click(app, "Start Encounter", contains="Start Encounter")
        editor = visit.window("Encounter:")
        visit.focused("the Subjective field",
                      lambda: visit.find(editor, role="text", name="Subjective"))
        check_window("encounter editor", editor, focus, "encounter")
        close_window("Encounter:", "<Control>w")

        visit.step("the patient editor")
        dialog = open_window("<Control>e", "Edit Patient")
        visit.need(dialog, "the birth date field", role="text", name="Birth Date (YYYY-MM-DD)")
        check_window("patient editor", dialog, focus, "patient-editor")
        close_window("Edit Patient")

        visit.step("a new patient")
        dialog = open_window("<Control>n", "New Patient")
        check_window("new patient", dialog, focus, "new-patient")
        close_window("New Patient")

        visit.step("preferences")
        dialog = open_window("<Control>comma", "Preferences")
        check_window("preferences", dialog, focus, "preferences")
        close_window("Preferences")

        visit.step("the command palette")
        dialog = open_window("<Control>k", "Find or Run")
        check_tree("command palette", dialog)
        close_window("Find or Run")

        visit.step("booking an appointment")
        rawinput.keyCombo("<Control>t")
        visit.click(app, "Book an Appointment", name="Book an Appointment")
        dialog = visit.window("Book")
        check_window("booking", dialog, focus, "booking")
        close_window("Book")
    finally:
        visit.stop(app_proc, server)

    if problems:
        for p in problems:
            print(f"PROBLEM: {p}", flush=True)
        print(f"FAIL: {len(problems)} accessibility problems", flush=True)
        sys.exit(1)
    print(f"ok: {visit.step_no} steps, no accessibility problems", flush=True)


if __name__ == "__main__":
    main()
