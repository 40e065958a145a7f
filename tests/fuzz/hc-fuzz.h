/* hc-fuzz.h: what the fuzz harnesses and the corpus replay driver share
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* The libFuzzer entry points; replay.c calls them for every corpus file. */
int  LLVMFuzzerInitialize  (int            *argc,
                            char         ***argv);
int  LLVMFuzzerTestOneInput (const uint8_t *data,
                             size_t         size);

/* A property violation: abort() so that libFuzzer saves the input and the replay test fails,
 * whatever G_DISABLE_ASSERT says. */
#define HC_FUZZ_CHECK(cond, ...)                                                      \
  G_STMT_START {                                                                      \
    if (G_UNLIKELY (!(cond)))                                                         \
      {                                                                               \
        fprintf (stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
        fprintf (stderr, __VA_ARGS__);                                                \
        fputc ('\n', stderr);                                                         \
        abort ();                                                                     \
      }                                                                               \
  } G_STMT_END

/* Every harness's LLVMFuzzerInitialize: plain malloc for GSlice, so that ASan and LeakSanitizer
 * see every block, and criticals and warnings abort as G_DEBUG=fatal-warnings does in tests. */
static inline void
hc_fuzz_init (void)
{
  g_setenv ("G_SLICE", "always-malloc", TRUE);
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* TRUE when @message is valid UTF-8 on one line, as error messages shown in a list must be. */
static inline gboolean
hc_fuzz_is_one_line (const char *message)
{
  return g_utf8_validate (message, -1, NULL) && strpbrk (message, "\r\n") == NULL;
}

G_END_DECLS
