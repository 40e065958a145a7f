#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every file with translatable strings is in po/POTFILES.in, and every listed file exists.

Usage: check-potfiles.py SOURCE_ROOT. Prints TAP.
"""

import os
import re
import sys

CODE_MARK = re.compile(r'(?<![A-Za-z0-9_])(?:N|C|NC|Q)?_\s*\(|g_dn?gettext\s*\(|ngettext\s*\(')
UI_MARK = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
# Desktop-integration files are translated whole by i18n.merge_file / xgettext ITS rules.
WHOLE = re.compile(r'\.(desktop\.in|metainfo\.xml\.in|appdata\.xml\.in)$')
SKIP_DIRS = {'.git', 'po', 'tests', 'bench', 'subprojects', 'node_modules', '.flatpak-builder'}


def is_build_dir(path):
    return os.path.isdir(os.path.join(path, 'meson-private')) or \
        os.path.isfile(os.path.join(path, 'build.ninja'))


def needs_translation(path):
    name = os.path.basename(path)
    if WHOLE.search(name):
        return True
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            text = f.read()
    except OSError:
        return False
    if name.endswith(('.c', '.h')):
        return CODE_MARK.search(text) is not None
    if name.endswith(('.ui', '.xml', '.xml.in')):
        if name.endswith('.gschema.xml'):
            return 'gettext-domain=' in text
        return UI_MARK.search(text) is not None
    return False


def main():
    root = os.path.abspath(sys.argv[1])
    potfiles = os.path.join(root, 'po', 'POTFILES.in')
    with open(potfiles, encoding='utf-8') as f:
        entries = [line.strip() for line in f]
    listed = [e for e in entries if e and not e.startswith('#')]

    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames
                             if d not in SKIP_DIRS and not d.startswith('build')
                             and not is_build_dir(os.path.join(dirpath, d)))
        for name in filenames:
            path = os.path.join(dirpath, name)
            if needs_translation(path):
                found.append(os.path.relpath(path, root))
    found.sort()

    checks = []
    missing = [p for p in found if p not in listed]
    checks.append(('every file with translatable strings is listed', missing,
                   'not in po/POTFILES.in'))
    absent = [p for p in listed if not os.path.isfile(os.path.join(root, p))]
    checks.append(('every listed file exists', absent, 'listed but missing'))
    unsorted = [] if listed == sorted(listed) else ['POTFILES.in']
    checks.append(('POTFILES.in is sorted', unsorted, 'not sorted'))
    dupes = sorted({p for p in listed if listed.count(p) > 1})
    checks.append(('no file is listed twice', dupes, 'listed twice'))

    print('1..%d' % len(checks))
    failed = 0
    for n, (name, bad, why) in enumerate(checks, 1):
        if bad:
            failed += 1
            print('not ok %d - %s' % (n, name))
            for p in bad:
                print('#   %s: %s' % (p, why))
        else:
            print('ok %d - %s' % (n, name))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
