"""The third-party files the playground page uses (crates/server/web/vendor/): each is listed in
VENDOR.md with its package, licence and sha256, the digest still matches, and nothing in the
directory goes unlisted."""
import hashlib
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENDOR = os.path.join(ROOT, "crates", "server", "web", "vendor")
# The two documents about the files, not served code.
NOT_LISTED = {"VENDOR.md", "LICENSES.md"}
ROW = re.compile(
    r"^\| `(?P<file>[^`]+)` \| `(?P<package>@?[^`@]+@\d[^`]*)` \| `[^`]+` \| (?P<licence>[A-Za-z0-9.\- ]+?) \| `(?P<sha256>[0-9a-f]{64})` \|$"
)
KNOWN_LICENCES = {"MIT", "Apache-2.0", "CC0-1.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "0BSD"}


def listed():
    with open(os.path.join(VENDOR, "VENDOR.md"), encoding="utf-8") as document:
        rows = [ROW.match(line.rstrip("\n")) for line in document]
    return {row["file"]: row for row in rows if row}


def on_disk():
    found = set()
    for directory, _, names in os.walk(VENDOR):
        for name in names:
            path = os.path.relpath(os.path.join(directory, name), VENDOR).replace(os.sep, "/")
            if path not in NOT_LISTED:
                found.add(path)
    return found


def test_every_listed_file_has_its_digest():
    rows = listed()
    assert rows, "VENDOR.md lists no files"
    for name, row in rows.items():
        path = os.path.join(VENDOR, *name.split("/"))
        assert os.path.isfile(path), f"{name} is listed in VENDOR.md but missing"
        with open(path, "rb") as file:
            digest = hashlib.sha256(file.read()).hexdigest()
        assert digest == row["sha256"], f"{name} changed: sha256 {digest}, VENDOR.md says {row['sha256']}"


def test_every_file_is_listed_with_a_known_licence():
    rows = listed()
    unlisted = sorted(on_disk() - set(rows))
    assert not unlisted, f"files under vendor/ that VENDOR.md does not list: {unlisted}"
    for name, row in rows.items():
        licences = set(row["licence"].split(" AND "))
        assert licences <= KNOWN_LICENCES, f"{name}: licence {row['licence']!r} is not an SPDX id this test knows"


def test_the_licence_texts_are_kept():
    with open(os.path.join(VENDOR, "LICENSES.md"), encoding="utf-8") as document:
        text = document.read()
    for phrase in ("Apache License", "Version 2.0", "The MIT License", "CC0 1.0 Universal"):
        assert phrase in text, f"LICENSES.md lacks {phrase!r}"
