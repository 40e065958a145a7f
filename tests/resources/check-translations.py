#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each translation in po/LINGUAS is complete for the strings the sources have now.

Extracts the template from po/POTFILES.in afresh (as meson's glib preset does), merges each
language's .po with it in a temporary directory and fails on any message that is untranslated,
fuzzy or missing, so a new string without its translation turns the suite red. Also checks the
.po files with msgfmt --check (format strings match their msgids).

Usage: check-translations.py SOURCE_ROOT. Prints TAP.
"""

import os
import re
import subprocess
import sys
import tempfile

KEYWORDS = ['_', 'N_', 'C_:1c,2', 'NC_:1c,2', 'g_dcgettext:2', 'g_dngettext:2,3',
            'g_dpgettext2:2c,3']


def main():
    root = sys.argv[1]
    po = os.path.join(root, 'po')
    with open(os.path.join(po, 'LINGUAS'), encoding='utf-8') as f:
        languages = [l.strip() for l in f if l.strip() and not l.startswith('#')]
    print('1..%d' % (1 + 2 * len(languages)))
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'housecall.pot')
        args = ['xgettext', '--package-name=housecall', '-p', tmp, '-o', 'housecall.pot',
                '-D', root, '-f', os.path.join(po, 'POTFILES.in'), '--from-code=UTF-8',
                '--add-comments'] + ['--keyword=' + k for k in KEYWORDS] + \
               ['--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format',
                '--flag=g_strdup_printf:1:c-format', '--flag=g_dngettext:2:pass-c-format']
        result = subprocess.run(args, capture_output=True, text=True)
        if result.returncode != 0:
            print('not ok 1 - extracting the template\n# ' + result.stderr.replace('\n', '\n# '))
            return 1
        print('ok 1 - extracting the template')
        n = 1
        failed = False
        for lang in languages:
            source = os.path.join(po, lang + '.po')
            n += 1
            check = subprocess.run(['msgfmt', '--check', '-o', os.devnull, source],
                                   capture_output=True, text=True)
            if check.returncode != 0:
                failed = True
                print('not ok %d - %s.po passes msgfmt --check\n# %s' %
                      (n, lang, check.stderr.strip().replace('\n', '\n# ')))
            else:
                print('ok %d - %s.po passes msgfmt --check' % (n, lang))
            merged = os.path.join(tmp, lang + '.po')
            subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged, source,
                            pot], check=True)
            stats = subprocess.run(['msgfmt', '--statistics', '-o', os.devnull, merged],
                                   capture_output=True, text=True).stderr.strip()
            n += 1
            if re.search(r'fuzzy|untranslated', stats):
                failed = True
                missing = subprocess.run(['msgattrib', '--untranslated', '--no-obsolete',
                                          merged], capture_output=True, text=True).stdout
                ids = re.findall(r'^msgid "(.+)"$', missing, re.M)
                print('not ok %d - %s.po translates every message (%s)' % (n, lang, stats))
                for msgid in ids[:40]:
                    print('#   untranslated: %s' % msgid)
                print('# update it: ninja -C BUILD housecall-update-po, then translate')
            else:
                print('ok %d - %s.po translates every message (%s)' % (n, lang, stats))
        return 1 if failed else 0


sys.exit(main())
