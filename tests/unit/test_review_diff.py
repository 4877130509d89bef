"""Diff parsing for reviews: hunks, the added lines with their new-file numbers, binary, deleted,
renamed and quoted paths, GitHub's per-file patches, and the cap on big diffs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from devrel.review.diff import DiffLimits, cap, file_diff, parse_unified

GIT_DIFF = '''diff --git a/src/app.py b/src/app.py
index 1111111..2222222 100644
--- a/src/app.py
+++ b/src/app.py
@@ -1,4 +1,5 @@ import os
 import os
-import sys
+import sys, re
+
 def main():
     return 1
@@ -10,3 +11,4 @@ def other():
     a = 1
     b = 2
+    c = 3
     return a
diff --git a/logo.png b/logo.png
new file mode 100644
index 0000000..3333333
Binary files /dev/null and b/logo.png differ
diff --git a/old.py b/old.py
deleted file mode 100644
index 4444444..0000000
--- a/old.py
+++ /dev/null
@@ -1,2 +0,0 @@
-x = 1
-y = 2
diff --git a/pkg/a name.py b/pkg/renamed name.py
similarity index 90%
rename from pkg/a name.py
rename to pkg/renamed name.py
index 5555555..6666666 100644
--- a/pkg/a name.py
+++ b/pkg/renamed name.py
@@ -1 +1 @@
-value = 1
+value = 2
\\ No newline at end of file
diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"
new file mode 100644
--- /dev/null
+++ "b/caf\\303\\251.py"
@@ -0,0 +1 @@
+print("ok")
'''


def test_added_lines_carry_their_number_in_the_new_file() -> None:
    app = parse_unified(GIT_DIFF)[0]
    assert app.path == "src/app.py" and app.status == "modified"
    assert app.added == {2: "import sys, re", 3: "", 13: "    c = 3"}
    assert app.removed == ["import sys"]
    assert [(h.new_start, h.section) for h in app.hunks] == [(1, "import os"), (11, "def other():")]
    assert not app.is_added(1) and not app.is_added(12)


def test_binary_deleted_renamed_and_quoted_files() -> None:
    files = {f.path: f for f in parse_unified(GIT_DIFF)}
    assert files["logo.png"].binary and files["logo.png"].status == "added" and files["logo.png"].added == {}
    assert files["logo.png"].omitted == "binary"
    old = files["old.py"]
    assert old.status == "deleted" and old.added == {} and old.removed == ["x = 1", "y = 2"]
    renamed = files["pkg/renamed name.py"]
    assert (renamed.status, renamed.old_path, renamed.added) == ("renamed", "pkg/a name.py", {1: "value = 2"})
    assert files["café.py"].added == {1: 'print("ok")'}


def test_a_rename_without_changes_has_no_hunks() -> None:
    text = ("diff --git a/x.py b/y.py\nsimilarity index 100%\nrename from x.py\nrename to y.py\n")
    [file] = parse_unified(text)
    assert (file.path, file.old_path, file.status, file.hunks) == ("y.py", "x.py", "renamed", [])


def test_github_patches_are_hunks_alone() -> None:
    patch = "@@ -5,2 +5,3 @@ class A:\n     def f(self):\n-        return 1\n+        return 2\n+        # done"
    file = file_diff("a.py", "modified", patch, additions=2, deletions=1)
    assert file.added == {6: "        return 2", 7: "        # done"}
    withheld = file_diff("big.py", "modified", None, additions=9000, deletions=10)
    assert withheld.omitted == "too large to show" and withheld.added == {}
    binary = file_diff("img.png", "added", None, additions=0, deletions=0, binary=True)
    assert binary.omitted == "binary"


def test_a_hunk_without_counts_means_one_line() -> None:
    file = file_diff("a.py", "modified", "@@ -3 +3 @@\n-a\n+b")
    assert file.added == {3: "b"} and file.removed == ["a"]


def _big(path: str, lines: int) -> str:
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n" + "".join(
        f"@@ -{i * 10 + 1},0 +{i * 10 + 1},10 @@\n" + "".join(f"+line {i}.{j}\n" for j in range(10))
        for i in range(lines // 10))


def test_huge_diffs_are_capped_and_the_summary_says_so() -> None:
    files = parse_unified(_big("a.py", 300) + _big("b.py", 300) + _big("c.py", 50))
    kept, notes = cap(files, DiffLimits(max_files=10, max_changed_lines=400))
    assert [len(f.added) for f in kept] == [300, 100, 0]
    assert [f.omitted for f in kept] == [None, "capped", "capped"]
    assert notes and "650 changed lines" in notes[0] and "first 400" in notes[0]
    # Only whole hunks are kept, so every kept added line is still a real added line.
    assert set(kept[1].added) <= set(files[1].added)


def test_under_the_cap_nothing_is_said() -> None:
    files = parse_unified(GIT_DIFF)
    kept, notes = cap(files, DiffLimits())
    assert notes == [] and [f.added for f in kept] == [f.added for f in files]


@pytest.mark.parametrize("name", ["with space.py", "tab\tname.py", "ünï.py", "b/x.py"])
def test_paths_git_writes_come_back_as_they_were(tmp_path: Path, name: str) -> None:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True,
                              text=True).stdout

    git("init", "-q")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "base")
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("a = 1\n")
    git("add", "-A")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "add")
    text = git("diff", "--src-prefix=a/", "--dst-prefix=b/", "HEAD~1", "HEAD")
    [file] = parse_unified(text)
    assert file.path == name and file.added == {1: "a = 1"}
