#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Flatpak manifest parses, names the app and runtime, asks for no more than the client
needs, and builds directories of this tree.

Usage: check-flatpak.py MANIFEST SOURCE_ROOT. Prints TAP.
"""

import json
import os
import sys

APP_ID = 'org.housecall.Housecall'
FINISH_ARGS = {
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
}

results = []


def check(name, ok, detail=''):
    results.append((name, bool(ok), detail))


def modules(items):
    for m in items:
        if isinstance(m, dict):
            yield m
            yield from modules(m.get('modules', []))


def main():
    manifest_path = os.path.abspath(sys.argv[1])
    root = os.path.abspath(sys.argv[2])
    base = os.path.dirname(manifest_path)

    try:
        with open(manifest_path, encoding='utf-8') as f:
            manifest = json.load(f)
        check('manifest is JSON', True)
    except (OSError, ValueError) as e:
        check('manifest is JSON', False, str(e))
        manifest = {}

    app_id = manifest.get('app-id', manifest.get('id'))
    check('app-id is ' + APP_ID, app_id == APP_ID, repr(app_id))
    check('runtime is org.gnome.Platform', manifest.get('runtime') == 'org.gnome.Platform',
          repr(manifest.get('runtime')))
    check('sdk is org.gnome.Sdk', manifest.get('sdk') == 'org.gnome.Sdk',
          repr(manifest.get('sdk')))
    check('command is housecall', manifest.get('command') == 'housecall',
          repr(manifest.get('command')))

    args = manifest.get('finish-args', [])
    check('finish-args are exactly the minimal set', set(args) == FINISH_ARGS and
          len(args) == len(FINISH_ARGS), 'got %r' % (args,))
    broad = [a for a in args if a.startswith('--filesystem') or a.startswith('--talk-name')
             or a in ('--socket=x11', '--device=all', '--share=all')]
    check('no host filesystem or broad access', not broad, repr(broad))

    mods = list(modules(manifest.get('modules', [])))
    check('has modules', mods)
    bad = []
    for m in mods:
        for src in m.get('sources', []):
            if isinstance(src, dict) and src.get('type') == 'dir':
                path = os.path.normpath(os.path.join(base, src.get('path', '')))
                inside = os.path.commonpath([path, root]) == root
                if not inside or not os.path.isfile(os.path.join(path, 'meson.build')):
                    bad.append('%s: %s' % (m.get('name'), src.get('path')))
    check('dir sources are directories of this tree with a meson.build', not bad,
          '; '.join(bad))

    print('1..%d' % len(results))
    failed = 0
    for n, (name, ok, detail) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
        if not ok:
            failed += 1
            if detail:
                print('#   ' + detail)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
