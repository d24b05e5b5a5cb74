"""Progress of ``realize`` off a terminal: log lines with the total and the time left."""

import logging

from cli import realize as realize_command


def test_off_a_terminal_progress_is_logged_with_the_total_and_time_left(monkeypatch, caplog):
    monkeypatch.setattr(realize_command, "LOG_EVERY", 100)
    caplog.set_level(logging.INFO, logger="cli.realize")

    with realize_command.Progress() as progress:
        progress.started(400)
        progress.started_at -= 30  # 30 s for the first 200 records: about 30 s for the rest
        progress.advanced(50)
        progress.advanced(150)

    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith("realize: 200 of 400 ATS records evaluated, about ")
    assert line.endswith(" s left")


def test_without_a_total_progress_says_how_many_so_far():
    with realize_command.Progress() as progress:
        progress.started(None)
        progress.advanced(1200)

        assert progress.describe() == "1,200 ATS records evaluated so far"
