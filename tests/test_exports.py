import os

from bot.ui.interview_tab import prune_exports

DAY = 24 * 3600


def test_report_folders_older_than_a_day_are_removed_and_newer_kept(tmp_path):
    now = 1_800_000_000
    old, fresh = tmp_path / "aaa111", tmp_path / "bbb222"
    for folder, age in ((old, DAY + 60), (fresh, DAY - 60)):
        folder.mkdir()
        (folder / "interview-report.md").write_text("# report")
        os.utime(folder, (now - age, now - age))
    prune_exports(tmp_path, kept_for=DAY, now=now)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bbb222"]
    assert (fresh / "interview-report.md").read_text() == "# report"


def test_pruning_a_missing_folder_does_nothing(tmp_path):
    prune_exports(tmp_path / "never-written", kept_for=DAY)
    assert not (tmp_path / "never-written").exists()
